// The JSON that `zeroshift status` prints (and `backfill status`, the demo),
// formatted from the engine's typed report. The field names and types are
// the command's output format: scripts read them.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "engine/engine.h"
#include "engine/status_report.h"

namespace zs::cli {

nlohmann::json StatusToJson(const engine::StatusReport& report);

// engine.ReadStatus() as JSON.
Result<nlohmann::json> StatusJson(engine::Engine& engine);

}  // namespace zs::cli
