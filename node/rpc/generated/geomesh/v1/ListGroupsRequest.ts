// Original file: proto/geomesh/v1/peer.proto


export interface ListGroupsRequest {
}

export interface ListGroupsRequest__Output {
}
