#include "backfill/defaults.h"

namespace zs::backfill {

Options DefaultBackfillOptions() {
  Options o;
  o.adaptive = true;
  o.batch_size = 1000;  // adaptive mode's first batch
  o.batch_delay = std::chrono::milliseconds(0);
  // A client's write to a row the batch has updated waits until the batch
  // commits: the batch's duration is the longest such wait. 30 ms rather
  // than 100 (bench/README.md §3, 2026-12-07, quiet, 1 M rows, 4 clients):
  // foreground p99 during the backfill 2.8x idle instead of 19-37x, and
  // without clients (figure 1, 2 M rows) 0.49/0.41 of the naive UPDATE
  // against 0.49/0.47 at 100 ms, within the noise.
  o.target_batch = std::chrono::milliseconds(30);
  o.min_batch_rows = 100;
  o.max_batch_rows = 100000;
  o.max_backoff = std::chrono::milliseconds(5000);
  o.pressure.max_lag_bytes = 64LL << 20;
  o.pressure.max_replay_lag = std::chrono::milliseconds(10000);
  o.pressure.max_xact_age = std::chrono::milliseconds(60000);
  o.pressure.long_transactions = LongTransactionPolicy::kThrottle;
  o.fire_user_triggers = false;
  o.mariadb_rebuild = true;
  o.workers = 1;
  o.auto_workers = kDefaultWorkers;
  // While clients work, sleep twice as long as each batch took: on the quiet
  // machine (figure 3, 2026-12-07/08) ratio 2 left the clients' p99 at
  // 1.27-1.44x idle in 4 of 4 runs, ratio 1 at 1.42-3.31x in 5 runs
  // (bench/README.md §3, docs/backfill.md "Pacing, measured").
  o.nice_ratio = 2.0;
  return o;
}

nlohmann::json BackfillOptionsJson(const Options& o) {
  return {
      {"mode", o.adaptive ? "adaptive" : "fixed"},
      {"batch_size", o.batch_size},
      {"batch_delay_ms", o.batch_delay.count()},
      {"target_batch_ms", o.target_batch.count()},
      {"min_batch_rows", o.min_batch_rows},
      {"max_batch_rows", o.max_batch_rows},
      {"initial_backoff_ms", o.initial_backoff.count()},
      {"max_backoff_ms", o.max_backoff.count()},
      {"lock_timeout_ms", o.lock_timeout.count()},
      {"statement_timeout_ms", o.statement_timeout.count()},
      {"max_attempts", o.max_attempts},
      {"throttle_on_lock_waits", o.pressure.lock_waits},
      {"max_xact_age_ms", o.pressure.max_xact_age.count()},
      {"max_lag_bytes", o.pressure.max_lag_bytes},
      {"max_replay_lag_ms", o.pressure.max_replay_lag.count()},
      {"long_xact", std::string(PolicyName(o.pressure.long_transactions))},
      {"nice_ratio", o.nice_ratio},
      {"workers", o.workers},
      {"auto_workers", o.auto_workers},
      {"auto_workers_min_rows", o.auto_workers_min_rows},
      {"fire_user_triggers", o.fire_user_triggers},
      {"mariadb_rebuild", o.mariadb_rebuild},
      {"replica_urls", o.replica_urls.size()},
  };
}

}  // namespace zs::backfill
