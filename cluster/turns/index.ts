// The turns room: the node's `turns` service (the turn graph each worker composes) and the services
// a node on the game's defaults is given.
export { TURN_GRAPH_SERVICE, createTurnService, type TurnServiceOptions } from './turn-service.js';
export { turnServices, type TurnServicesOptions } from './turn-services.js';
