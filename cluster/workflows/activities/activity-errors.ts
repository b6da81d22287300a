// A failure no retry can cure (malformed input, a refusing webhook): the in-process runner stops
// retrying it, and `glass workflows worker` hands it to Temporal as a non-retryable ApplicationFailure.
import { GlassError } from '../../../runtime/index.js';

export class NonRetryableActivityError extends GlassError {}
