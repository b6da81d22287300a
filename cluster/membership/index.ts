// The membership room: which nodes are live, by heartbeats on Redis, as one ordered view.
export { RedisMembership, type MembershipListener, type MembershipStatus, type MembershipStatusListener } from './membership.js';
export { MEMBERSHIP_UNAVAILABLE, MembershipUnavailableError, type RedisMembershipOptions } from './membership-options.js';
export { MemberState, nextView, type MemberChange, type MemberRecord, type MemberSighting, type MembershipView } from './membership-view.js';
