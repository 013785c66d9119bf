#pragma once

// The UploadMedia client stream: a photo arrives in chunks and is handed to MediaStore whole.

#include "grpcpp/grpcpp.h"
#include "services/intake/media_store.h"
#include "services/platform/grpc_edge.h"

namespace skk::intake {

// Serves the UploadMedia client stream: reads the header and chunks (refusing the stream as
// soon as it passes the size limit, whatever the header said), then stores the photo on the
// request executor once the client half-closes. A stream that ends early or is cancelled
// stores nothing; one whose bytes differ in number from the header's size_bytes (when given)
// is refused. Errors: INVALID_ARGUMENT prefixed "header:", "chunk:" or "photo:";
// RESOURCE_EXHAUSTED when the executor is full.
class MediaUploads {
 public:
  MediaUploads(MediaStore& store, RequestExecutor& executor) : store_(store), executor_(executor) {}
  grpc::ServerReadReactor<grpc::ByteBuffer>* Start(grpc::CallbackServerContext* context,
                                                   grpc::ByteBuffer* response);

 private:
  MediaStore& store_;
  RequestExecutor& executor_;
};

}  // namespace skk::intake
