#include "pg/lock_holders.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace zs::pg {

namespace {

constexpr size_t kMaxDescribed = 3;

// pg_stat_activity's query of another role's session, for a role without
// pg_read_all_stats (its kind, state and transaction start read NULL).
constexpr char kHiddenQuery[] = "<insufficient privilege>";

std::string Describe(const LockHolder& holder) {
  std::string who = holder.application_name.empty() ? holder.backend_type : holder.application_name;
  if (who.empty()) who = "session";  // another role's, with no application_name
  std::string state = holder.state;
  if (holder.transaction_s >= 0) {
    state += fmt::format("{}for {:.0f} s", state.empty() ? "" : " ", holder.transaction_s);
  }
  std::string text = fmt::format("pid {} ({}", holder.pid, who);
  if (!state.empty()) text += ", " + state;
  text += ", holds " + holder.modes;
  if (!holder.query.empty() && holder.query != kHiddenQuery) text += ": " + holder.query;
  return text + ")";
}

}  // namespace

bool LockHolder::IsWraparoundAutovacuum() const {
  return IsAutovacuum() &&
         (prevents_wraparound || query.find("(to prevent wraparound)") != std::string::npos);
}

bool LockHolder::IsCancellableAutovacuum() const {
  return IsAutovacuum() && query.rfind("autovacuum:", 0) == 0 && !IsWraparoundAutovacuum();
}

Result<std::vector<LockHolder>> LockHolders(Connection& conn, const std::string& table) {
  // pg_locks and pg_stat_activity are joined on pid; fast-path locks are
  // listed too. The query is shortened on the server: it may be megabytes.
  // Oldest transaction first: the session that has held the table longest is
  // the one to look at, ahead of clients that merely queue behind it.
  ZS_ASSIGN_OR_RETURN(Rows rows, conn.ExecParams(R"sql(
SELECT a.pid, coalesce(a.backend_type, ''), coalesce(a.application_name, ''),
       coalesce(a.state, ''),
       coalesce(extract(epoch FROM clock_timestamp() - a.xact_start), -1)::float8,
       string_agg(DISTINCT l.mode, ', '),
       left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 120),
       coalesce(a.query, '') LIKE '%(to prevent wraparound)%'
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.relation = to_regclass($1)
 GROUP BY 1, 2, 3, 4, 5, 7, 8
 ORDER BY 5 DESC, 1)sql",
                                                 {table}));
  std::vector<LockHolder> holders;
  for (int i = 0; i < rows.size(); ++i) {
    holders.push_back({.pid = static_cast<int>(rows.GetInt(i, 0)),
                       .backend_type = rows.Get(i, 1),
                       .application_name = rows.Get(i, 2),
                       .state = rows.Get(i, 3),
                       .transaction_s = std::strtod(rows.Get(i, 4).c_str(), nullptr),
                       .modes = rows.Get(i, 5),
                       .query = rows.Get(i, 6),
                       .prevents_wraparound = rows.Get(i, 7) == "t"});
  }
  return holders;
}

std::string DescribeLockHolders(const std::vector<LockHolder>& holders) {
  std::string text;
  for (size_t i = 0; i < holders.size() && i < kMaxDescribed; ++i) {
    if (i > 0) text += "; ";
    text += Describe(holders[i]);
  }
  if (holders.size() > kMaxDescribed) {
    text += fmt::format("; and {} more", holders.size() - kMaxDescribed);
  }
  bool hidden = std::any_of(holders.begin(), holders.end(),
                            [](const LockHolder& holder) { return holder.query == kHiddenQuery; });
  if (hidden) {
    text +=
        " (sessions of other roles show no query, state or kind to this role: grant it "
        "pg_read_all_stats to name them; an autovacuum worker among them is not recognised, and "
        "cancelling one needs a superuser)";
  }
  return text;
}

}  // namespace zs::pg
