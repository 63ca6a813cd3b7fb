// For the MariaDB engine tests: a fresh database holding the seed's `users`
// table, the seed's split in MariaDB's SQL as a migration file, the built
// binary run against the database, and catalog reads to compare.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mysql/connection.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"
#include "testing/test_support.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine::mariadb_test {

// examples/02_split_name.yaml in MariaDB's SQL.
inline constexpr const char* kMariadbSplitYaml = R"yaml(operations:
  - add_column:
      table: users
      up: SUBSTRING_INDEX(name, ' ', 1)
      column: {name: first_name, type: text, nullable: true}
  - add_column:
      table: users
      up: SUBSTRING_INDEX(name, ' ', -1)
      column: {name: last_name, type: text, nullable: true}
  - drop_column:
      table: users
      column: name
      down: CONCAT_WS(' ', first_name, last_name)
)yaml";

// alter_column's type change through the column swap: users.visits, INT NOT NULL,
// widened to BIGINT (the table gets visits first). kWidenVisitsOperation is the
// operation alone, to list with others; kWidenVisitsYaml the whole migration.
inline constexpr char kWidenVisitsOperation[] = R"yaml(
  - alter_column:
      table: users
      column: visits
      type: bigint
      up: visits
      down: LEAST(visits, 2147483647)
)yaml";
inline const std::string kWidenVisitsYaml = std::string("operations:") + kWidenVisitsOperation;

// An index on items(id bigint PRIMARY KEY, label varchar(40)) and a new table,
// both created by start: what the records tests look up.
inline constexpr char kRecordsYaml[] = R"yaml(name: 03_records
operations:
  - create_index:
      name: items_label_idx
      table: items
      columns: [label]
  - create_table:
      name: orders
      columns:
        - {name: id, type: bigint, pk: true}
        - {name: item, type: bigint}
)yaml";

class MariadbSplit {
 public:
  MariadbSplit() : url_(zs::testing::FreshMariadbDatabaseUrl()), conn_(Connect()) {
    database_ = Query("SELECT DATABASE()").front();
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("zs_mariadb_engine_{}_{}", static_cast<long>(getpid()), database_);
    std::filesystem::create_directories(dir_);
    file_ = WriteFile("02_split_name.yaml", kMariadbSplitYaml);
    version_ = versions::MariadbVersionDatabaseName(database_, "02_split_name", "");
    Run("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
    Run("INSERT INTO users VALUES (1, 'Ada Lovelace'), (2, 'Donald Ervin'), "
        "(3, 'Barbara Liskov'), (4, 'Edsger Dijkstra')");
  }
  ~MariadbSplit() { std::filesystem::remove_all(dir_); }
  MariadbSplit(const MariadbSplit&) = delete;
  MariadbSplit& operator=(const MariadbSplit&) = delete;

  const std::string& url() const { return url_; }
  const std::string& database() const { return database_; }
  const std::string& version() const { return version_; }
  const std::string& file() const { return file_; }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  mysql::Connection Connect() const {
    auto conn = mysql::Connection::Open(url_);
    if (!conn.ok()) throw std::runtime_error("connect: " + conn.status().ToString());
    return std::move(conn).value();
  }

  // The binary with `args` against the database, quietly unless told; with `fault`,
  // ZS_FAULT_AT (engine/fault_injection.h) set to it for this run only.
  zs::testing::ProcessRun Zeroshift(std::vector<std::string> args, const std::string& fault = "",
                                    bool quiet = true) const {
    args.insert(args.begin(), {"--url", url_});
    if (quiet) args.push_back("--quiet");
    if (!fault.empty()) setenv("ZS_FAULT_AT", fault.c_str(), 1);
    zs::testing::ProcessRun run = zs::testing::RunBinary(args);
    unsetenv("ZS_FAULT_AT");
    return run;
  }

  void Run(const std::string& sql) {
    Status status = conn_.Run(sql);
    if (!status.ok()) throw std::runtime_error(sql + ": " + status.ToString());
  }

  // The rows of `sql`, a row's values joined with "|" ("NULL" for NULL).
  std::vector<std::string> Query(const std::string& sql) {
    return zs::testing::mariadb_sql::Rows(conn_, sql);
  }

  std::vector<std::string> Columns() {
    return Query(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = 'users' ORDER BY ORDINAL_POSITION");
  }

  // Every trigger of the database, with its timing, event and order.
  std::vector<std::string> Triggers() {
    return Query(
        "SELECT CONCAT(TRIGGER_NAME, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ', "
        "ACTION_ORDER) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() "
        "ORDER BY TRIGGER_NAME");
  }

  std::string ShowCreateTable() { return Query("SHOW CREATE TABLE users").front(); }

  // The databases whose name starts with this one's and an underscore.
  std::vector<std::string> VersionDatabases() {
    return Query(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, "
        "CHAR_LENGTH(DATABASE()) + 1) = CONCAT(DATABASE(), '_') ORDER BY SCHEMA_NAME");
  }

 private:
  std::string url_;
  mysql::Connection conn_;
  std::string database_;
  std::string version_;
  std::filesystem::path dir_;
  std::string file_;
};

}  // namespace zs::engine::mariadb_test
