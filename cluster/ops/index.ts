// The ops room: a node's ops presence on the cluster's Redis (published reports, requests between nodes).
export { OpsPublisher, OpsPublisherErrors, startOpsPublisher, type OpsPublisherOptions, type OpsRejectReason, type OpsRequestMeta, type OpsRequestHandler } from './ops-publisher.js';
