#include "lab/users_table.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "pg/quote.h"
#include "triggers/dual_write.h"

namespace zs::lab {

namespace {

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

// A value for a key=value conninfo: single-quoted, with \ and ' escaped.
std::string ConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

constexpr long long kLoadChunk = 1000000;

}  // namespace

Result<std::string> WithDatabase(const std::string& conninfo, const std::string& database) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> options(
      PQconninfoParse(conninfo.c_str(), &error));
  if (!options) {
    std::string message = error ? error : "out of memory";
    PQfreemem(error);
    return InvalidInput(fmt::format("cannot parse the PostgreSQL URL {}: {}",
                                    pg::RedactPassword(conninfo), message));
  }
  std::string out;
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    out += fmt::format("{}={} ", o->keyword, ConninfoValue(o->val));
  }
  return out + "dbname=" + ConninfoValue(database);
}

std::string UniqueDatabaseName(const std::string& prefix) {
  std::random_device random;
  std::string suffix = fmt::format("{:08x}", random());
  // Identifiers are at most 63 bytes; keep the suffix whole.
  return prefix.substr(0, 63 - 1 - suffix.size()) + "_" + suffix;
}

Status DropDatabase(const std::string& admin_conninfo, const std::string& database) {
  ZS_ASSIGN_OR_RETURN(pg::Connection admin, pg::Connection::Open(admin_conninfo));
  Result<pg::Rows> found = admin.Exec(
      "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
      "WHERE datname = " +
      pg::QuoteLiteral(database));
  if (!found.ok()) {
    return found.status().WithContext(fmt::format("looking up the lab database \"{}\"", database));
  }
  if (found->size() == 0) return Status::Ok();
  if (found->Get(0, 0) != kLabDatabaseMarker) {
    return Conflict(fmt::format(
        "database \"{}\" exists but the lab did not create it (it lacks the lab's comment); the "
        "lab leaves it alone: drop it yourself if it is an old lab database",
        database));
  }
  return admin.Run("DROP DATABASE IF EXISTS " + pg::QuoteIdent(database) + " WITH (FORCE)")
      .WithContext(fmt::format("dropping the lab database \"{}\"", database));
}

Result<std::string> RecreateDatabase(const std::string& admin_conninfo,
                                     const std::string& database) {
  ZS_RETURN_IF_ERROR(DropDatabase(admin_conninfo, database));
  ZS_ASSIGN_OR_RETURN(pg::Connection admin, pg::Connection::Open(admin_conninfo));
  ZS_RETURN_IF_ERROR(
      admin.Run("CREATE DATABASE " + pg::QuoteIdent(database) + " TEMPLATE template0")
          .WithContext(
              fmt::format("creating the lab database \"{}\" (the role needs CREATEDB)", database)));
  ZS_RETURN_IF_ERROR(admin
                         .Run("COMMENT ON DATABASE " + pg::QuoteIdent(database) + " IS " +
                              pg::QuoteLiteral(kLabDatabaseMarker))
                         .WithContext(fmt::format("marking the lab database \"{}\"", database)));
  return WithDatabase(admin_conninfo, database);
}

Status LoadUsers(pg::Connection& conn, long long rows,
                 const std::function<void(long long)>& progress) {
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE TABLE users (id bigserial, name text NOT NULL, email text NOT NULL, "
               "created_at timestamptz NOT NULL DEFAULT now())"));
  for (long long from = 1; from <= rows; from += kLoadChunk) {
    long long to = std::min(rows, from + kLoadChunk - 1);
    ZS_RETURN_IF_ERROR(conn.Run(fmt::format(
        "INSERT INTO users (id, name, email, created_at) "
        "SELECT g, f || ' ' || l, lower(f) || '.' || lower(l) || g || '@example.com', "
        "       timestamptz '2024-01-01' + g * interval '7 seconds' "
        "FROM generate_series({}, {}) AS g, LATERAL (SELECT "
        "  (ARRAY['Alice','Bob','Carol','Dave','Erin','Frank','Grace','Heidi','Ivan','Judy',"
        "         'Mallory','Niaj','Olivia','Peggy','Rupert','Sybil'])[1 + g % 16] AS f, "
        "  (ARRAY['Smith','Jones','Brown','Lee','Garcia','Miller','Davis','Wilson','Moore',"
        "         'Taylor','Thomas','Martin','Clark','Lewis','Walker','Young'])[1 + (g / 16) % 16]"
        "  AS l) AS n",
        from, to)));
    if (progress) progress(to);
  }
  return conn.Run(
      fmt::format("ALTER TABLE users ADD PRIMARY KEY (id); "
                  "SELECT setval(pg_get_serial_sequence('users', 'id'), {}); ANALYZE users",
                  std::max(rows, 1LL)));
}

Result<nlohmann::json> FirstRows(pg::Connection& conn, int limit) {
  // row_to_json keeps the table's column order (jsonb would sort the keys).
  // The backfill's per-row marker is bookkeeping, not a column of either shape.
  ZS_ASSIGN_OR_RETURN(
      pg::Rows result,
      conn.Exec(fmt::format("SELECT (SELECT json_agg(attname ORDER BY attnum) FROM pg_attribute "
                            "        WHERE attrelid = to_regclass('public.users') AND attnum > 0 "
                            "        AND NOT attisdropped AND attname <> {}), "
                            "       (SELECT json_agg(row_to_json(u) ORDER BY u.id) FROM "
                            "        (SELECT * FROM public.users ORDER BY id LIMIT {}) u)",
                            pg::QuoteLiteral(triggers::MarkerColumnName()), limit)));
  nlohmann::json out = {{"columns", nlohmann::json::array()}, {"rows", nlohmann::json::array()}};
  if (result.IsNull(0, 0)) return out;
  out["columns"] = nlohmann::json::parse(result.Get(0, 0));
  if (result.IsNull(0, 1)) return out;
  for (const auto& row : nlohmann::ordered_json::parse(result.Get(0, 1))) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& column : out["columns"]) {
      auto it = row.find(column.get<std::string>());
      values.push_back(it == row.end() ? nlohmann::json() : nlohmann::json(*it));
    }
    out["rows"].push_back(std::move(values));
  }
  return out;
}

Result<std::string> ServerVersion(pg::Connection& conn) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec("SHOW server_version"));
  std::string version = rows.Get(0, 0);
  return version.substr(0, version.find(' '));
}

}  // namespace zs::lab
