#include "engine/ownership_mariadb.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "backend/mariadb_backend.h"
#include "engine/engine_checks.h"
#include "mysql/connection.h"
#include "sqlcheck/mariadb_lexer.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {

namespace {

constexpr const char* kMariadbOwnedPrefix = "_zs_";
constexpr const char* kMariadbTriggerBodyMarker = "zs_dual_write:";

// ("exists", "is zeroshift's") of `ref`.
Result<std::pair<bool, bool>> MariadbObjectState(mysql::Connection& conn, const ObjectRef& ref) {
  std::string db = mysql::QuoteLiteral(ref.schema);
  if (ref.kind == kObjTrigger) {
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        conn.Exec(fmt::format("SELECT LEFT(ACTION_STATEMENT, {}) = {} FROM "
                              "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {} AND "
                              "TRIGGER_NAME = {}",
                              std::string_view(kMariadbTriggerBodyMarker).size(),
                              mysql::QuoteLiteral(kMariadbTriggerBodyMarker), db,
                              mysql::QuoteLiteral(ref.name))));
    if (rows.empty()) return std::make_pair(false, false);
    return std::make_pair(true,
                          ref.name.starts_with(kMariadbOwnedPrefix) && rows.GetInt(0, 0) == 1);
  }
  if (ref.kind == kObjSchema) {
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                        conn.Exec("SELECT COALESCE(SCHEMA_COMMENT, '') FROM "
                                  "information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                                  mysql::QuoteLiteral(ref.name)));
    if (rows.empty()) return std::make_pair(false, false);
    return std::make_pair(true, rows.Get(0, 0).starts_with(versions::kMariadbVersionCommentPrefix));
  }
  if (ref.kind == kObjColumn) {
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        conn.Exec(fmt::format("SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} "
                              "AND TABLE_NAME = {} AND COLUMN_NAME = {}",
                              db, mysql::QuoteLiteral(ref.table), mysql::QuoteLiteral(ref.name))));
    if (rows.empty()) return std::make_pair(false, false);
    return std::make_pair(true, ref.name.starts_with(kMariadbOwnedPrefix));
  }
  // No marker: a table, index or constraint that exists before start is not
  // zeroshift's (start has not created it yet).
  std::string exists;
  if (ref.kind == kObjTable) {
    exists = fmt::format(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}", db,
        mysql::QuoteLiteral(ref.name));
  } else if (ref.kind == kObjIndex) {
    exists = fmt::format(
        "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} "
        "AND INDEX_NAME = {} LIMIT 1",
        db, mysql::QuoteLiteral(ref.table), mysql::QuoteLiteral(ref.name));
  } else if (ref.kind == kObjConstraint) {
    exists = fmt::format(
        "SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {} AND "
        "TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
        db, mysql::QuoteLiteral(ref.table), mysql::QuoteLiteral(ref.name));
  } else {
    return InvalidInput(fmt::format(
        "{}: MariaDB ownership is known for triggers, columns, tables, indexes, constraints and "
        "version databases only",
        ref.Describe()));
  }
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec(exists));
  return std::make_pair(!rows.empty(), false);
}

std::string MariadbForeignAdvice(const ObjectRef& ref) {
  if (ref.kind == kObjTrigger) {
    return fmt::format(
        "trigger {} on {}.{} exists and is not zeroshift's (its body does not "
        "start with `{}`); rename or drop it, since start would replace it",
        mysql::QuoteIdentifier(ref.name), mysql::QuoteIdentifier(ref.schema),
        mysql::QuoteIdentifier(ref.table), kMariadbTriggerBodyMarker);
  }
  if (ref.kind == kObjSchema) {
    return fmt::format(
        "database {} exists and is not a zeroshift version (no zeroshift "
        "comment); set the migration's `version_schema` to another name, or drop "
        "that database",
        mysql::QuoteIdentifier(ref.name));
  }
  if (ref.kind != kObjColumn) {
    return fmt::format(
        "{} {} exists before start, so it is not zeroshift's; rename or drop it, since start "
        "would take it for its own and rollback would drop it",
        ref.kind,
        ref.table.empty()
            ? mysql::QuoteIdentifier(ref.schema) + "." + mysql::QuoteIdentifier(ref.name)
            : mysql::QuoteIdentifier(ref.name) + " of " + mysql::QuoteIdentifier(ref.schema) + "." +
                  mysql::QuoteIdentifier(ref.table));
  }
  return fmt::format(
      "column {} of {}.{} exists before start, so it is not zeroshift's; rename "
      "it (names starting with `{}` are zeroshift's), since complete or rollback "
      "would drop it",
      mysql::QuoteIdentifier(ref.name), mysql::QuoteIdentifier(ref.schema),
      mysql::QuoteIdentifier(ref.table), kMariadbOwnedPrefix);
}

// Reads zeroshift's own MariaDB statements token by token (comments left
// out): upper-cased words, names (bare or backticked), `.` and parentheses.
class MariadbStatementReader {
 public:
  explicit MariadbStatementReader(std::vector<sqlcheck::MariadbToken> tokens, size_t size = 0)
      : tokens_(std::move(tokens)), size_(size) {}

  // The byte offset of the current token in the text (its size at the end).
  size_t Begin() const { return Done() ? size_ : tokens_[at_].begin; }

  bool Done() const { return at_ >= tokens_.size(); }
  // The current token upper-cased when it is a bare word, else "".
  std::string Word() const {
    if (Done() || tokens_[at_].kind != sqlcheck::MariadbTokenKind::kWord) return "";
    std::string upper = tokens_[at_].text;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }
  bool Symbol(char c) const {
    return !Done() && tokens_[at_].kind == sqlcheck::MariadbTokenKind::kSymbol &&
           tokens_[at_].text == std::string(1, c);
  }
  void Next() { ++at_; }
  // Skips the words of `words` in order, as far as they match.
  void Skip(std::initializer_list<const char*> words) {
    for (const char* word : words) {
      if (Word() != word) return;
      Next();
    }
  }
  // [database.]name; database "" when unqualified. {"", ""} when no name is here.
  std::pair<std::string, std::string> QualifiedName() {
    std::string first = Name();
    if (first.empty()) return {};
    if (!Symbol('.')) return {"", first};
    Next();
    return {first, Name()};
  }
  // Skips to the next `,` outside parentheses (or the end); true at a `,`.
  bool SkipClause() {
    int depth = 0;
    for (; !Done(); Next()) {
      if (Symbol('(')) ++depth;
      if (Symbol(')')) --depth;
      if (depth == 0 && Symbol(',')) {
        Next();
        return true;
      }
    }
    return false;
  }

 private:
  std::string Name() {
    if (Done()) return "";
    const sqlcheck::MariadbToken& token = tokens_[at_];
    if (token.kind != sqlcheck::MariadbTokenKind::kWord &&
        token.kind != sqlcheck::MariadbTokenKind::kQuotedName) {
      return "";
    }
    Next();
    return token.text;
  }

  std::vector<sqlcheck::MariadbToken> tokens_;
  size_t size_ = 0;
  size_t at_ = 0;
};

// `kind` `name` [of `db`.`table`], for messages.
std::string MariadbDescribeRef(const ObjectRef& ref) {
  if (ref.table.empty()) {
    return ref.kind + " " +
           (ref.kind == kObjSchema ? "" : mysql::QuoteIdentifier(ref.schema) + ".") +
           mysql::QuoteIdentifier(ref.name);
  }
  return fmt::format("{} {} of {}.{}", ref.kind, mysql::QuoteIdentifier(ref.name),
                     mysql::QuoteIdentifier(ref.schema), mysql::QuoteIdentifier(ref.table));
}

// Why complete or rollback must not drop `ref`, or "" when it may (it is
// gone, or zeroshift's by its marker and its record).
Result<std::string> MariadbForeignReason(mysql::Connection& conn, const ObjectRef& ref,
                                         const MariadbDropRecords* records) {
  ZS_ASSIGN_OR_RETURN(auto state, MariadbObjectState(conn, ref));
  if (!state.first) return std::string();
  if (ref.kind == kObjSchema) {
    return std::string(state.second ? "" : "it has no zeroshift version comment");
  }
  if (ref.kind == kObjTrigger && ref.name.starts_with(kMariadbOwnedPrefix) && !state.second) {
    return std::string("its body has no zeroshift label");
  }
  if (records == nullptr) return std::string();
  if (const MariadbRecord* record = FindMariadbRecord(records->records, ref)) {
    ZS_ASSIGN_OR_RETURN(std::optional<uint64_t> live, MariadbLiveIdentity(conn, ref));
    return MariadbReplacedReason(*record, live);
  }
  if (records->strict) return std::string("start recorded no such object");
  return std::string();
}

// ALTER TABLE ... DROP ..., ...: the statement without the DROP clauses of
// objects that are not zeroshift's; `DO 0` when no DROP clause is left.
Result<ops::Action> MariadbAlterWithoutForeignDrops(
    mysql::Connection& conn, MariadbStatementReader& in, const ops::Action& action,
    const MariadbDropRecords* records,
    const std::function<void(const ObjectRef&, const std::string&)>& skip) {
  in.Next();
  in.Skip({"ONLINE"});
  in.Skip({"IGNORE"});
  if (in.Word() != "TABLE") return action;
  in.Next();
  in.Skip({"IF", "EXISTS"});
  auto table = in.QualifiedName();
  if (table.second.empty()) return action;
  std::string database = !table.first.empty() ? table.first
                         : records == nullptr ? ""
                                              : records->database;
  const size_t head_end = in.Begin();
  std::vector<std::string> kept;
  bool skipped = false, drops_kept = false;
  for (bool more = !in.Done(); more;) {
    size_t begin = in.Begin();
    std::optional<ObjectRef> dropped;
    if (in.Word() == "DROP") {
      in.Next();
      std::string kind = kObjColumn;
      if (in.Word() == "INDEX" || in.Word() == "KEY") {
        kind = kObjIndex;
        in.Next();
      } else if (in.Word() == "FOREIGN" || in.Word() == "CONSTRAINT" || in.Word() == "CHECK") {
        kind = kObjConstraint;
        in.Skip({"FOREIGN", "KEY"});
        in.Skip({"CONSTRAINT"});
        in.Skip({"CHECK"});
      } else if (in.Word() == "PRIMARY") {
        kind = "";
      } else {
        in.Skip({"COLUMN"});
      }
      in.Skip({"IF", "EXISTS"});
      auto name = in.QualifiedName();
      if (!kind.empty() && !name.second.empty()) {
        dropped =
            ObjectRef{.kind = kind, .schema = database, .table = table.second, .name = name.second};
      }
    }
    more = in.SkipClause();
    std::string clause = action.sql.substr(begin, in.Begin() - begin);
    while (!clause.empty() && (clause.back() == ',' || clause.back() == ';' ||
                               std::isspace(static_cast<unsigned char>(clause.back())))) {
      clause.pop_back();
    }
    if (dropped) {
      ZS_ASSIGN_OR_RETURN(std::string reason, MariadbForeignReason(conn, *dropped, records));
      if (!reason.empty()) {
        skip(*dropped, reason);
        skipped = true;
        continue;
      }
      drops_kept = true;
    }
    kept.push_back(std::move(clause));
  }
  if (!skipped) return action;
  ops::Action out = action;
  out.sql = drops_kept
                ? action.sql.substr(0, head_end) + fmt::format("{}", fmt::join(kept, ", ")) + ";"
                : "DO 0";
  return out;
}

// The clauses of ALTER TABLE <table> that add a column, an index or a constraint.
void MariadbAlterTableAdds(MariadbStatementReader& in, const std::string& database,
                           const std::string& table, std::vector<ObjectRef>& out) {
  do {
    if (in.Word() != "ADD") continue;
    in.Next();
    std::string kind = kObjColumn;
    if (in.Word() == "CONSTRAINT") {
      kind = kObjConstraint;
      in.Next();
    } else if (in.Word() == "UNIQUE" || in.Word() == "INDEX" || in.Word() == "KEY") {
      kind = kObjIndex;
      in.Skip({"UNIQUE"});
      if (in.Word() == "INDEX" || in.Word() == "KEY") in.Next();
    } else if (in.Word() == "PRIMARY" || in.Word() == "FOREIGN" || in.Word() == "CHECK") {
      continue;  // unnamed: nothing to take over
    } else {
      in.Skip({"COLUMN"});
    }
    in.Skip({"IF", "NOT", "EXISTS"});
    auto [unused, name] = in.QualifiedName();
    if (!name.empty())
      out.push_back({.kind = kind, .schema = database, .table = table, .name = name});
  } while (in.SkipClause());
}

}  // namespace

std::vector<ObjectRef> MariadbCreatedObjects(const std::string& sql, const std::string& database) {
  auto lexed = sqlcheck::LexMariadb(sql);
  if (!lexed.ok()) return {};
  std::vector<sqlcheck::MariadbToken> tokens;
  for (auto& token : *lexed) {
    if (token.kind != sqlcheck::MariadbTokenKind::kComment) tokens.push_back(std::move(token));
  }
  MariadbStatementReader in(std::move(tokens));
  // SET STATEMENT var = value[, ...] FOR <statement>: the statement after FOR.
  if (in.Word() == "SET") {
    while (!in.Done() && in.Word() != "FOR") in.Next();
    in.Next();
  }
  auto in_database = [&](const std::pair<std::string, std::string>& name) {
    return name.first.empty() ? database : name.first;
  };
  std::vector<ObjectRef> out;
  if (in.Word() == "ALTER") {
    in.Next();
    in.Skip({"ONLINE"});
    in.Skip({"IGNORE"});
    if (in.Word() != "TABLE") return out;
    in.Next();
    in.Skip({"IF", "EXISTS"});
    auto table = in.QualifiedName();
    if (!table.second.empty()) MariadbAlterTableAdds(in, in_database(table), table.second, out);
    return out;
  }
  if (in.Word() != "CREATE") return out;
  in.Next();
  in.Skip({"OR", "REPLACE"});
  if (in.Word() == "DEFINER") {  // DEFINER = user@host
    while (!in.Done() && in.Word() != "TRIGGER" && in.Word() != "VIEW") in.Next();
  }
  std::string what = in.Word();
  if (what == "UNIQUE") {
    in.Next();
    what = in.Word();
  }
  in.Next();
  in.Skip({"IF", "NOT", "EXISTS"});
  auto name = in.QualifiedName();
  if (name.second.empty()) return out;
  if (what == "TABLE") {
    out.push_back(
        {.kind = kObjTable, .schema = in_database(name), .table = "", .name = name.second});
  } else if (what == "TRIGGER" || what == "INDEX") {
    while (!in.Done() && in.Word() != "ON") in.Next();
    in.Next();
    auto table = in.QualifiedName();
    out.push_back({.kind = what == "TRIGGER" ? kObjTrigger : kObjIndex,
                   .schema = what == "TRIGGER" ? in_database(name) : in_database(table),
                   .table = table.second,
                   .name = name.second});
  }
  return out;
}

Status MariadbCheckCreatedNamesFree(backend::Session& session, const std::string& database,
                                    const std::vector<const std::vector<ops::Action>*>& actions) {
  std::vector<ObjectRef> created;
  for (const auto* list : actions) {
    for (const ops::Action& action : *list) {
      if (IsUserSql(action)) continue;
      for (ObjectRef& ref : MariadbCreatedObjects(action.sql, database)) {
        if (std::find(created.begin(), created.end(), ref) == created.end()) {
          created.push_back(std::move(ref));
        }
      }
    }
  }
  return MariadbRefuseForeignObjects(session, created);
}

Result<ops::Action> MariadbWithoutForeignDrops(backend::Session& session, const ops::Action& action,
                                               const std::function<void(const std::string&)>& log,
                                               const MariadbDropRecords* records) {
  if (IsUserSql(action)) return action;
  auto lexed = sqlcheck::LexMariadb(action.sql);
  if (!lexed.ok()) return action;
  std::vector<sqlcheck::MariadbToken> tokens;
  for (auto& token : *lexed) {
    if (token.kind != sqlcheck::MariadbTokenKind::kComment) tokens.push_back(std::move(token));
  }
  MariadbStatementReader in(std::move(tokens), action.sql.size());
  if (in.Word() == "SET") {
    while (!in.Done() && in.Word() != "FOR") in.Next();
    in.Next();
  }
  mysql::Connection& conn = backend::MariadbConnection(session);
  auto skip = [&](const ObjectRef& ref, const std::string& reason) {
    if (log) {
      log(
          fmt::format("    skipped: {} exists but is not the one zeroshift created ({}), so it "
                      "is left alone",
                      MariadbDescribeRef(ref), reason));
    }
  };
  if (in.Word() == "ALTER") {
    return MariadbAlterWithoutForeignDrops(conn, in, action, records, skip);
  }
  if (in.Word() != "DROP") return action;
  in.Next();
  std::string what = in.Word();
  if (what != "TRIGGER" && what != "DATABASE" && what != "SCHEMA" && what != "TABLE" &&
      what != "INDEX") {
    return action;
  }
  in.Next();
  in.Skip({"IF", "EXISTS"});
  auto name = in.QualifiedName();
  if (name.second.empty()) return action;
  std::string database =
      name.first.empty() ? records == nullptr ? "" : records->database : name.first;
  ObjectRef ref{.kind = kObjSchema, .schema = name.second, .table = "", .name = name.second};
  if (what == "TRIGGER") {
    ref = {.kind = kObjTrigger, .schema = database, .table = "", .name = name.second};
  } else if (what == "TABLE") {
    ref = {.kind = kObjTable, .schema = database, .table = "", .name = name.second};
  } else if (what == "INDEX") {
    while (!in.Done() && in.Word() != "ON") in.Next();
    in.Next();
    auto table = in.QualifiedName();
    ref = {.kind = kObjIndex,
           .schema = table.first.empty() ? database : table.first,
           .table = table.second,
           .name = name.second};
  }
  ZS_ASSIGN_OR_RETURN(std::string reason, MariadbForeignReason(conn, ref, records));
  if (reason.empty()) return action;
  skip(ref, reason);
  ops::Action kept = action;
  kept.sql = "DO 0";
  return kept;
}

Result<bool> MariadbOwnsObject(backend::Session& session, const ObjectRef& ref) {
  ZS_ASSIGN_OR_RETURN(auto state, MariadbObjectState(backend::MariadbConnection(session), ref));
  return state.first && state.second;
}

Status MariadbRefuseForeignObjects(backend::Session& session,
                                   const std::vector<ObjectRef>& will_create) {
  mysql::Connection& conn = backend::MariadbConnection(session);
  std::string problems;
  for (const ObjectRef& ref : will_create) {
    ZS_ASSIGN_OR_RETURN(auto state, MariadbObjectState(conn, ref));
    bool exists = state.first, ours = state.second;
    // A column zeroshift is about to add is nobody's yet: any column of that
    // name is foreign (a resumed start finds it recorded in its state row).
    // The same for tables, indexes and constraints, which carry no marker.
    if (ref.kind != kObjTrigger && ref.kind != kObjSchema) ours = false;
    if (exists && !ours) problems += "\n  - " + MariadbForeignAdvice(ref);
  }
  if (problems.empty()) return Status::Ok();
  return Conflict(
      "refused before anything ran: objects that start would create already exist "
      "and zeroshift did not create them:" +
      problems);
}

}  // namespace zs::engine
