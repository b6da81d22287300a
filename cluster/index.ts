export { HashringPlacement, createHashringPlacement } from './hashring-placement.js';
export { startDefaultNode, defaultNodeOptions } from './default-node.js';
