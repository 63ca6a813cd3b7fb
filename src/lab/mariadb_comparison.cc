#include "lab/mariadb_comparison.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "lab/scenario_frame.h"
#include "mysql/connection.h"

namespace zs::lab {

namespace {

const char* kMariadbLockWaitMethod =
    "information_schema sampled every 150 ms: client sessions whose InnoDB transaction is in "
    "LOCK WAIT (row locks) or whose PROCESSLIST state is \"Waiting for ... lock\" (metadata "
    "locks); lock_wait_ms = client time waiting summed over clients; waits shorter than a "
    "sample can be missed";

const ScenarioResult* FindScenario(const Comparison& comparison, const std::string& name) {
  for (const ScenarioResult& r : comparison.scenarios) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const StepResult* FindStep(const ScenarioResult& r, const std::string& prefix) {
  for (const StepResult& step : r.steps) {
    if (step.name.rfind(prefix, 0) == 0) return &step;
  }
  return nullptr;
}

Result<std::string> MariadbServerVersion(const std::string& url) {
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(url));
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec("SELECT VERSION()"));
  std::string version = rows.Get(0, 0);
  return version.substr(0, version.find('-'));
}

// The naive script's UPDATE: who waited for its row locks.
std::string UpdateNote(const StepResult& update, long long rows) {
  std::string note = fmt::format(
      "The naive script's {} of {} rows took {:.0f} ms. During it the slowest read by id took "
      "{:.1f} ms and the slowest write {:.1f} ms; clients spent {:.0f} ms waiting for locks "
      "(longest single wait seen {:.0f} ms). ",
      update.name, rows, update.duration_ms, update.max_read_ms, update.max_write_ms,
      update.lock_wait_ms, update.max_lock_wait_ms);
  bool writes_waited = update.lock_wait_ms > 0;
  bool reads_fast = update.max_read_ms * 4 < update.max_write_ms;
  if (writes_waited && reads_fast) {
    note +=
        "Writes waited behind the rows it had locked while reads by id were answered: MariaDB's "
        "UPDATE locks rows, not the table. On PostgreSQL the script's first ALTER holds an "
        "ACCESS EXCLUSIVE lock on users until COMMIT, so reads stop too.";
  } else if (writes_waited) {
    note += fmt::format(
        "Clients waited for its row locks, and reads were slow too in this run (slowest read "
        "{:.1f} ms): on a machine this busy, the UPDATE's work slows every request.",
        update.max_read_ms);
  } else {
    note +=
        "No client was seen waiting for its row locks in this run (waits shorter than one "
        "150 ms sample are missed; more rows with --rows make the UPDATE, and the waits, "
        "longer).";
  }
  return note;
}

// DROP COLUMN: did requests queue behind its exclusive metadata lock?
std::string DropNote(const StepResult& drop) {
  if (drop.lock_wait_ms > 0) {
    return fmt::format(
        "{} took {:.0f} ms and requests queued behind its exclusive metadata lock: clients spent "
        "{:.0f} ms waiting (longest single wait seen {:.0f} ms, slowest request {:.1f} ms). This "
        "is MariaDB's metadata-lock queue, the same hazard as PostgreSQL's lock queue.",
        drop.name, drop.duration_ms, drop.lock_wait_ms, drop.max_lock_wait_ms, drop.max_request_ms);
  }
  return fmt::format(
      "{} took {:.1f} ms and no client was seen waiting for its exclusive metadata lock (slowest "
      "request during it {:.1f} ms): no open transaction held users at that moment, so no "
      "queue formed behind the ALTER. A long transaction on users would have made every "
      "request queue behind it, as on PostgreSQL.",
      drop.name, drop.duration_ms, drop.max_request_ms);
}

// ADD COLUMN: an ALTER, instant or not, takes the exclusive metadata lock for a
// moment; said only when clients were seen waiting while it ran.
std::string AddColumnNote(const StepResult& add) {
  return fmt::format(
      "While {} ran ({:.1f} ms), clients spent {:.0f} ms waiting for locks (longest single "
      "wait seen {:.0f} ms, slowest request {:.1f} ms): every ALTER, an instant one too, takes "
      "the exclusive metadata lock for a moment, and requests queue behind it.",
      add.name, add.duration_ms, add.lock_wait_ms, add.max_lock_wait_ms, add.max_request_ms);
}

// After DROP COLUMN: v1 clients fail.
std::string V1FailuresNote(const ScenarioResult& naive, const StepResult& drop) {
  long long before = 0;
  int last_error_second = -1;
  for (const SecondStats& second : naive.summary.seconds) {
    if (second.t + 1 <= drop.start_s) before += second.errors;
    if (second.errors > 0) last_error_second = second.t;
  }
  long long after = naive.summary.errors - before;
  auto it = naive.errors_by_class.find("undefined column");
  long long undefined = it == naive.errors_by_class.end() ? 0 : it->second;
  if (after == 0) {
    return fmt::format(
        "No request failed after {} began at t = {:.1f} s: the v1 clients did not touch name "
        "again before the run ended.",
        drop.name, drop.start_s);
  }
  int last_second = static_cast<int>(std::ceil(naive.summary.duration_s)) - 1;
  bool to_the_end = last_error_second >= last_second - 1;
  std::string note = fmt::format(
      "{} requests failed before {} (t = {:.1f} s) and {} from then on, {} of them because a "
      "column was unknown (class \"undefined column\": v1 clients still use name), ",
      before, drop.name, drop.start_s, after, undefined);
  if (!to_the_end) {
    return note +
           fmt::format("the last of them in the second ending at t = {} s.", last_error_second + 1);
  }
  return note + fmt::format(
                    "until the run ended ({:.1f} s). The DROP took effect at once (on MariaDB "
                    "each ALTER commits on its own; the script's BEGIN holds nothing back), and "
                    "the outage did not end with the script: v1 clients fail until the "
                    "application is redeployed, and there was no moment at which both versions "
                    "worked. zeroshift keeps name until contract, after every client has moved "
                    "to v2.",
                    naive.summary.duration_s);
}

std::string ExpandContractNote(const ScenarioResult& r) {
  const StepResult* waited = nullptr;
  const StepResult* slowest = nullptr;
  for (const StepResult& step : r.steps) {
    if (!waited || step.lock_wait_ms > waited->lock_wait_ms) waited = &step;
    if (!slowest || step.max_request_ms > slowest->max_request_ms) slowest = &step;
  }
  std::string classes;
  for (const auto& [name, count] : r.errors_by_class) {
    classes += fmt::format("{}{} {}", classes.empty() ? "" : ", ", count, name);
  }
  std::string note =
      fmt::format("zeroshift's five steps: {} of {} requests failed{}", r.summary.errors,
                  r.summary.requests, classes.empty() ? "" : " (" + classes + ")");
  note += fmt::format(", uptime {:.1f} %, longest stall {:.0f} ms.", r.summary.uptime_percent,
                      r.summary.longest_stall_ms);
  if (waited && slowest) {
    note += fmt::format(
        " The most client lock-wait time in a step was {:.0f} ms ({}); the slowest request in "
        "flight during a step took {:.1f} ms ({}).",
        waited->lock_wait_ms, waited->name, slowest->max_request_ms, slowest->name);
  }
  return note;
}

}  // namespace

std::vector<std::string> MariadbOutageNotes(const Comparison& comparison) {
  std::vector<std::string> notes;
  long long rows = comparison.setup.value("rows", 0LL);
  if (const ScenarioResult* naive = FindScenario(comparison, "naive")) {
    if (const StepResult* update = FindStep(*naive, "UPDATE")) {
      notes.push_back(UpdateNote(*update, rows));
    }
    for (const StepResult& step : naive->steps) {
      if (step.name.rfind("ADD COLUMN", 0) == 0 && step.lock_wait_ms > 0) {
        notes.push_back(AddColumnNote(step));
      }
    }
    if (const StepResult* drop = FindStep(*naive, "DROP COLUMN")) {
      notes.push_back(DropNote(*drop));
      notes.push_back(V1FailuresNote(*naive, *drop));
    }
  }
  if (const ScenarioResult* expand_contract = FindScenario(comparison, "expand-contract")) {
    notes.push_back(ExpandContractNote(*expand_contract));
  }
  return notes;
}

Result<Comparison> RunMariadbComparison(const MariadbComparisonOptions& options) {
  const MariadbScenarioOptions& o = options.scenario;
  Comparison comparison;
  MariadbScenarioOptions naive = o;
  ZS_ASSIGN_OR_RETURN(naive.url, options.fresh_database("naive"));
  ZS_ASSIGN_OR_RETURN(std::string version, MariadbServerVersion(naive.url));
  comparison.setup = ComparisonSetup(ShapeOf(o), kMariadbLockWaitMethod);
  comparison.setup["database"] = "MariaDB";
  comparison.setup["server_version"] = version;
  ZS_ASSIGN_OR_RETURN(ScenarioResult naive_result, RunMariadbNaiveScenario(naive));
  comparison.scenarios.push_back(std::move(naive_result));
  MariadbScenarioOptions expand_contract = o;
  ZS_ASSIGN_OR_RETURN(expand_contract.url, options.fresh_database("expand-contract"));
  ZS_ASSIGN_OR_RETURN(ScenarioResult expand_contract_result,
                      RunMariadbExpandContractScenario(expand_contract));
  comparison.scenarios.push_back(std::move(expand_contract_result));
  comparison.notes = MariadbOutageNotes(comparison);
  return comparison;
}

}  // namespace zs::lab
