/**
 * What each gRPC method accepts: one pure module per service (peer-checks.ts, operator-checks.ts) over the
 * field rules and bounds of field-checks.ts, and handler wrappers that run them before the business code,
 * so a refused request changes nothing. The RPC adapter (node/rpc) refuses, before these, the bytes that are
 * not a message of the method's request type. See docs/rpc.md, "What a request may carry".
 */
export { MAX_WIRE_INTEGER, RPC_LIMITS, requireGroup } from './field-checks.ts';
export { checkedOperatorHandlers, OPERATOR_CHECKS, type OperatorScope } from './operator-checks.ts';
export { checkedPeerHandlers, PEER_CHECKS, type PeerScope } from './peer-checks.ts';
export { checkStreamRecordsRequest, type StreamScope } from './stream-checks.ts';
