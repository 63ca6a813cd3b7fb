// PostgreSQL's errors in the classes every backend answers in
// (backend/error_class.h), from the SQLSTATE a zs::Status carries.
#pragma once

#include <string_view>

#include "backend/error_class.h"
#include "core/status.h"

namespace zs::pg {

backend::ErrorClass ClassifySqlstate(std::string_view sqlstate);
// kOther for success and for a status without an SQLSTATE.
backend::ErrorClass ClassifyError(const Status& status);

}  // namespace zs::pg
