// The placement room: the Placement on consistent hashing (hashring), and the preview of what a
// membership change would move. Workers load hashring-placement.ts by reference, not this entry.
export { HASHRING_PLACEMENT, HashringPlacement, createHashringPlacement } from './hashring-placement.js';
export { previewPlacement, type NodeFlow, type PlacementMove, type PlacementPreview } from './placement-preview.js';
