#include "cli/engine_options.h"

#include <iostream>

namespace zs::cli {

engine::Options MakeEngineOptions(const GlobalOptions& o, const backfill::Options& backfill,
                                  EngineLogSink log) {
  engine::Options options;
  options.schema = o.schema;
  options.retry.lock_timeout = std::chrono::milliseconds(o.lock_timeout_ms);
  options.retry.first_lock_timeout = std::chrono::milliseconds(o.first_lock_wait_ms);
  options.retry.statement_timeout = std::chrono::milliseconds(o.statement_timeout_ms);
  options.retry.max_attempts = o.lock_retries;
  options.retry.initial_backoff = std::chrono::milliseconds(o.retry_initial_ms);
  options.retry.max_backoff = std::chrono::milliseconds(o.retry_max_ms);
  options.retry.cancel_autovacuum = !o.no_cancel_autovacuum;
  options.backfill = backfill;
  // The backfill's batches wait for locks as the DDL does.
  options.backfill.lock_timeout = options.retry.lock_timeout;
  options.backfill.max_attempts = o.lock_retries;
  if (!o.quiet) {
    options.log = log ? std::move(log) : [](const std::string& line) { std::cerr << line << "\n"; };
  }
  return options;
}

}  // namespace zs::cli
