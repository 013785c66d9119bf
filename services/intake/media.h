#pragma once

// Citizens' photos, for those who want all of it: processing (photo_processing.h), the
// content-addressed store (media_store.h) and the UploadMedia stream (media_upload.h).

#include "services/intake/media_store.h"
#include "services/intake/media_upload.h"
#include "services/intake/photo_processing.h"
