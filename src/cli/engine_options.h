// The one place that turns the parsed global flags (--schema, --lock-timeout,
// --lock-retries, --retry-*, --statement-timeout, --no-cancel-autovacuum,
// --quiet) and the backfill's options into an engine's options: used by the
// single-target commands (ConnectEngine) and by the fleet, once per target.
#pragma once

#include <functional>
#include <string>

#include "backfill/backfill.h"
#include "cli/app.h"
#include "engine/engine.h"

namespace zs::cli {

// Where the engine's lines go; nullptr (with --quiet) for nowhere.
using EngineLogSink = std::function<void(const std::string&)>;

// The engine's options from `o` and `backfill`. Unless --quiet, the engine's
// lines go to `log`, or to stderr when `log` is empty.
engine::Options MakeEngineOptions(const GlobalOptions& o, const backfill::Options& backfill,
                                  EngineLogSink log = nullptr);

// One fleet target's engine options (cmd_fleet.cc): MakeEngineOptions, with
// its lines and backfill progress printed prefixed "[name] ", every piece of
// `url`'s password masked.
engine::Options FleetTargetEngineOptions(const GlobalOptions& o, const backfill::Options& backfill,
                                         const std::string& name, const std::string& url);

}  // namespace zs::cli
