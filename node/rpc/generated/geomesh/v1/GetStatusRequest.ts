// Original file: proto/geomesh/v1/operator.proto


export interface GetStatusRequest {
}

export interface GetStatusRequest__Output {
}
