// Least privilege (issue 14, part 3): zeroshift runs every command of the
// lifecycle as a role that owns the tables and has CREATE on the database,
// without superuser (as on managed PostgreSQL services), through the real
// binary; what needs more (naming another role's queries, cancelling
// autovacuum) degrades to a message that says which grant would give it.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;
namespace fs = std::filesystem;

constexpr char kMigrator[] = "zs_migrator";

constexpr char kAddEmail[] = R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: text, nullable: true}
)yaml";

std::string OneValue(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "<none>";
}

std::string UrlAsRole(const std::string& url, const std::string& role) {
  std::string out = url;
  size_t at = out.find("postgres@");
  EXPECT_NE(at, std::string::npos) << url;
  if (at != std::string::npos) out.replace(at, 9, role + "@");
  return out;
}

// A fresh database whose users(id, name) table (and its sequence) belong to
// kMigrator, a login role with no other attribute, granted CREATE on the
// database and nothing else: the superuser's URL.
std::string DatabaseOwnedByMigrator(int rows) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  // Roles are cluster-wide and tests share the cluster: created once.
  MustRun(admin, fmt::format("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                             "'{0}') THEN CREATE ROLE {0} LOGIN NOSUPERUSER NOCREATEDB "
                             "NOCREATEROLE NOREPLICATION NOBYPASSRLS; END IF; END $$",
                             kMigrator));
  MustRun(admin, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(admin, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                             "generate_series(1, {}) AS i",
                             rows));
  MustRun(admin, fmt::format("ALTER TABLE users OWNER TO {}", kMigrator));
  MustRun(admin, fmt::format("GRANT CREATE ON DATABASE {} TO {}", url.substr(url.rfind('/') + 1),
                             kMigrator));
  return url;
}

fs::path WriteMigration(const std::string& tag, const std::string& name, const char* yaml) {
  fs::path file = fs::temp_directory_path() /
                  fmt::format("zs_least_{}_{}", static_cast<long>(getpid()), tag) / name;
  fs::create_directories(file.parent_path());
  std::ofstream(file) << yaml;
  return file;
}

ProcessRun RunAs(std::vector<std::string> args, const std::string& url) {
  args.insert(args.end(), {"--postgres-url", url});
  return RunBinary(args);
}

TEST(LeastPrivilegeTest, TheRoleIsNotASuperuser) {
  std::string url = DatabaseOwnedByMigrator(1);
  pg::Connection migrator = Open(UrlAsRole(url, kMigrator));
  EXPECT_EQ(OneValue(migrator,
                     "SELECT rolsuper::text || rolcreaterole::text || "
                     "rolcreatedb::text || rolbypassrls::text FROM pg_roles WHERE "
                     "rolname = current_user"),
            "falsefalsefalsefalse");
  EXPECT_EQ(OneValue(migrator,
                     "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = "
                     "m.member WHERE r.rolname = current_user"),
            "0")
      << "the role is a member of no other role (pg_signal_backend, pg_read_all_stats...)";
}

TEST(LeastPrivilegeTest, EveryLifecycleCommandRunsAsTheTablesOwner) {
  std::string url = DatabaseOwnedByMigrator(500);
  std::string as_migrator = UrlAsRole(url, kMigrator);
  fs::path split = WriteMigration("cycle", "02_split_name.yaml", zs::testing::kSplitNameYaml);
  fs::path email = WriteMigration("cycle", "03_add_email.yaml", kAddEmail);

  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"init"},
           {"start", split.string()},
           {"status"},
           {"backfill", "status"},
           {"verify"},
           {"complete"},
           {"start", email.string()},
           {"backfill", "status"},
           {"status"},
           {"rollback"},
           {"status"},
       }) {
    ProcessRun run = RunAs(command, as_migrator);
    EXPECT_EQ(run.exit_code, 0) << fmt::format("{}", fmt::join(command, " ")) << ":\n"
                                << run.err << run.out;
  }
  pg::Connection admin = Open(url);
  EXPECT_EQ(OneValue(admin, "SELECT first_name || '/' || last_name FROM users WHERE id = 9"),
            "First9/Last9");
  EXPECT_EQ(OneValue(admin,
                     "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                     "'users' AND column_name IN ('name', 'email')"),
            "0");
  // Everything zeroshift created belongs to the role, none to a superuser.
  EXPECT_EQ(OneValue(admin, fmt::format("SELECT count(*) FROM pg_namespace WHERE nspname IN "
                                        "('zeroshift', 'public_02_split_name') AND "
                                        "pg_get_userbyid(nspowner) = '{}'",
                                        kMigrator)),
            "2");
}

TEST(LeastPrivilegeTest, StartAndStatusSayWhatTheRoleCannotDo) {
  std::string url = DatabaseOwnedByMigrator(10);
  std::string as_migrator = UrlAsRole(url, kMigrator);
  ASSERT_EQ(RunAs({"init"}, as_migrator).exit_code, 0);
  fs::path split = WriteMigration("notes", "02_split_name.yaml", zs::testing::kSplitNameYaml);
  ProcessRun start = RunAs({"start", split.string()}, as_migrator);
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("note: this role sees no query"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("grant it pg_read_all_stats"), std::string::npos) << start.err;

  ProcessRun status = RunAs({"status"}, as_migrator);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << status.out;
  ASSERT_TRUE(json["privilege_notes"].is_array()) << status.out;
  std::string notes = json["privilege_notes"].dump();
  EXPECT_NE(notes.find("pg_read_all_stats"), std::string::npos) << notes;
  EXPECT_NE(notes.find("autovacuum"), std::string::npos) << notes;

  // A superuser is told nothing.
  ProcessRun as_superuser = RunAs({"status"}, url);
  nlohmann::json superuser = nlohmann::json::parse(as_superuser.out, nullptr, false);
  ASSERT_FALSE(superuser.is_discarded()) << as_superuser.out;
  EXPECT_EQ(superuser["privilege_notes"], nlohmann::json::array()) << as_superuser.out;
}

TEST(LeastPrivilegeTest, AnotherRolesLockHolderIsReportedWithTheGrantThatWouldNameIt) {
  std::string url = DatabaseOwnedByMigrator(10);
  std::string as_migrator = UrlAsRole(url, kMigrator);
  ASSERT_EQ(RunAs({"init"}, as_migrator).exit_code, 0);
  fs::path split = WriteMigration("holder", "02_split_name.yaml", zs::testing::kSplitNameYaml);

  // A superuser's session (another role: its pg_stat_activity row is hidden
  // from the migrator) holds the table while zeroshift needs it.
  pg::Connection holder = Open(url);
  MustRun(holder, "SET application_name = 'the_holder'");
  MustRun(holder, "BEGIN; SELECT count(*) FROM users");
  ProcessRun start =
      RunAs({"start", split.string(), "--lock-timeout", "50", "--lock-retries", "1"}, as_migrator);
  MustRun(holder, "ROLLBACK");
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(start.err.find(fmt::format("pid {}", holder.BackendPid())), std::string::npos)
      << start.err;
  EXPECT_EQ(start.err.find("<insufficient privilege>"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("pg_read_all_stats"), std::string::npos) << start.err;

  // With the grant, the same failure names the session and its query.
  pg::Connection admin = Open(url);
  MustRun(admin, fmt::format("GRANT pg_read_all_stats TO {}", kMigrator));
  MustRun(holder, "BEGIN; SELECT count(*) FROM users");
  ProcessRun named =
      RunAs({"start", split.string(), "--lock-timeout", "50", "--lock-retries", "1"}, as_migrator);
  MustRun(holder, "ROLLBACK");
  MustRun(admin, fmt::format("REVOKE pg_read_all_stats FROM {}", kMigrator));
  EXPECT_NE(named.exit_code, 0);
  EXPECT_NE(named.err.find("the_holder"), std::string::npos) << named.err;
  EXPECT_NE(named.err.find("SELECT count(*) FROM users"), std::string::npos) << named.err;
}

}  // namespace
}  // namespace zs::engine
