#include "mysql/connection.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "servers/mariadb_server.h"
#include "testing/shared_mariadb.h"

namespace zs::mysql {
namespace {

constexpr char kSecret[] = "s3cr3t:P@ss/w%rd";
constexpr char kSecretEncoded[] = "s3cr3t%3AP%40ss%2Fw%25rd";

Connection OpenOrDie(const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

// ---- URLs --------------------------------------------------------------------

TEST(MysqlUrlTest, ReadsEveryPartPercentDecoded) {
  Result<ConnectParams> params =
      ParseUrl(std::string("mariadb://app%20user:") + kSecretEncoded + "@db.example:3307/my%2Ddb");
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->user, "app user");
  EXPECT_EQ(params->password, std::optional<std::string>(kSecret));
  EXPECT_EQ(params->host, "db.example");
  EXPECT_EQ(params->port, 3307);
  EXPECT_EQ(params->database, "my-db");
  EXPECT_EQ(params->socket, "");
}

TEST(MysqlUrlTest, DefaultsSocketsIpv6AndTheMysqlScheme) {
  Result<ConnectParams> bare = ParseUrl("MySQL://");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->host, "localhost");
  EXPECT_EQ(bare->port, 3306);
  EXPECT_FALSE(bare->password.has_value());
  EXPECT_EQ(bare->database, "");

  Result<ConnectParams> socket = ParseUrl("mariadb://root@/app?socket=%2Ftmp%2Fa%20b.sock");
  ASSERT_TRUE(socket.ok()) << socket.status().ToString();
  EXPECT_EQ(socket->socket, "/tmp/a b.sock");
  EXPECT_EQ(socket->database, "app");

  Result<ConnectParams> v6 = ParseUrl("mariadb://u:@[::1]:3310/d");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 3310);
  EXPECT_EQ(v6->password, std::optional<std::string>(""));
}

TEST(MysqlUrlTest, RefusesBadUrlsWithoutEchoingThem) {
  for (const std::string& url :
       {std::string("postgres://u:") + kSecretEncoded + "@h/d",
        std::string("mariadb://u:") + kSecretEncoded + "@h:99999/d",
        std::string("mariadb://u:") + kSecretEncoded + "@h:x/d",
        std::string("mariadb://u:") + kSecretEncoded + "%zz@h/d",
        std::string("mariadb://u:") + kSecretEncoded + "@h/d?sslmode=" + kSecretEncoded,
        std::string("mariadb://u:") + kSecretEncoded + "@h/d?socket=",
        std::string("mariadb://u:") + kSecretEncoded + "@h/d/e",
        std::string("mariadb://u:") + kSecretEncoded + "@h/%00"}) {
    Result<ConnectParams> params = ParseUrl(url);
    ASSERT_FALSE(params.ok()) << url;
    EXPECT_EQ(params.status().code(), Code::kInvalidInput);
    const std::string& message = params.status().message();
    EXPECT_EQ(message.find(kSecretEncoded), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  }
}

TEST(MysqlUrlTest, RedactPasswordHidesOnlyThePassword) {
  EXPECT_EQ(RedactPassword(std::string("mariadb://app:") + kSecretEncoded + "@h:1/d?socket=/s"),
            "mariadb://app:***@h:1/d?socket=/s");
  EXPECT_EQ(RedactPassword("mariadb://app@h/d"), "mariadb://app@h/d");
  EXPECT_EQ(RedactPassword("mariadb://h/d"), "mariadb://h/d");
}

// ---- Quoting -----------------------------------------------------------------

TEST(MysqlQuoteTest, IdentifiersInBackticksDoubled) {
  EXPECT_EQ(QuoteIdentifier("users"), "`users`");
  EXPECT_EQ(QuoteIdentifier("a`b``c"), "`a``b````c`");
  EXPECT_EQ(QuoteIdentifier("it's \"x\" \\"), "`it's \"x\" \\`");
  EXPECT_TRUE(QuoteIdentifierChecked(std::string(64, 'a')).ok());
  EXPECT_FALSE(QuoteIdentifierChecked(std::string(65, 'a')).ok());
  // 64 characters of three bytes each: 192 bytes, still one valid name.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "\xe2\x82\xac";  // €
  EXPECT_TRUE(QuoteIdentifierChecked(wide).ok());
  Result<std::string> too_long = QuoteIdentifierChecked(wide + "x");
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("65 characters"), std::string::npos);
  EXPECT_FALSE(QuoteIdentifierChecked("").ok());
  EXPECT_FALSE(QuoteIdentifierChecked("trailing ").ok());
  EXPECT_FALSE(QuoteIdentifierChecked(std::string("nul\0x", 5)).ok());
}

TEST(MysqlQuoteTest, LiteralsEscapeQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(QuoteLiteral("plain"), "'plain'");
  EXPECT_EQ(QuoteLiteral("it's"), "'it\\'s'");
  EXPECT_EQ(QuoteLiteral("a\\b"), "'a\\\\b'");
  EXPECT_EQ(QuoteLiteral(std::string("\0\n\r\x1a\"", 5)), "'\\0\\n\\r\\Z\\\"'");
}

// ---- Against a real server ---------------------------------------------------

TEST(MysqlConnectionTest, ConnectsByTcpAndBySocket) {
  servers::MariadbServer& server = testing::SharedMariadbServer();
  for (const std::string& url : {server.Url(), server.SocketUrl()}) {
    Connection conn = OpenOrDie(url);
    Result<Rows> rows = conn.Exec("SELECT CONNECTION_ID(), @@protocol_version");
    ASSERT_TRUE(rows.ok()) << url << ": " << rows.status().ToString();
    EXPECT_EQ(static_cast<unsigned long>(rows->GetInt(0, 0)), conn.ConnectionId());
    EXPECT_GE(conn.ServerVersion(), 101100u);
  }
  Connection socket = OpenOrDie(server.SocketUrl());
  Result<Rows> how =
      socket.Exec("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()");
  ASSERT_TRUE(how.ok()) << how.status().ToString();
  EXPECT_EQ(how->Get(0, 0), "localhost");  // a socket, not 127.0.0.1:port
}

TEST(MysqlConnectionTest, RowsDistinguishNullFromEmptyAndCountAffectedRows) {
  Connection conn = OpenOrDie(testing::FreshMariadbDatabaseUrl());
  Result<Rows> rows = conn.Exec("SELECT NULL AS n, '' AS e, 'x' AS s, 42 AS i");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1);
  ASSERT_EQ(rows->columns(), 4);
  EXPECT_TRUE(rows->IsNull(0, 0));
  EXPECT_FALSE(rows->IsNull(0, 1));
  EXPECT_EQ(rows->GetOptional(0, 1), std::optional<std::string>(""));
  EXPECT_EQ(rows->Get(0, 2), "x");
  EXPECT_EQ(rows->GetInt(0, 3), 42);
  EXPECT_EQ(rows->ColumnIndex("s"), 2);
  EXPECT_EQ(rows->ColumnIndex("missing"), -1);

  ASSERT_TRUE(conn.Run("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)").ok());
  Result<Rows> insert = conn.Exec("INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c')");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  EXPECT_EQ(insert->AffectedRows(), 3);
  EXPECT_TRUE(insert->empty());
}

TEST(MysqlConnectionTest, PinsTheSession) {
  Connection conn = OpenOrDie(testing::SharedMariadbServer().Url());
  Result<Rows> rows = conn.Exec(
      "SELECT @@SESSION.sql_mode, @@SESSION.tx_isolation, @@SESSION.autocommit, "
      "@@SESSION.time_zone, @@character_set_client, \"double quoted\", 'a\\'b'");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Get(0, 0),
            "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION");
  EXPECT_EQ(rows->Get(0, 1), "READ-COMMITTED");
  EXPECT_EQ(rows->Get(0, 2), "1");
  EXPECT_EQ(rows->Get(0, 3), "+00:00");
  EXPECT_EQ(rows->Get(0, 4), "utf8mb4");
  EXPECT_EQ(rows->Get(0, 5), "double quoted");  // ANSI_QUOTES off: a string
  EXPECT_EQ(rows->Get(0, 6), "a'b");            // backslash escapes on

  SessionSettings settings;
  settings.read_committed = false;
  settings.lock_wait_timeout_s = 7;
  Result<Connection> plain = Connection::Open(testing::SharedMariadbServer().Url(), settings);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  Result<Rows> level = plain->Exec("SELECT @@SESSION.tx_isolation, @@SESSION.lock_wait_timeout");
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_EQ(level->Get(0, 0), "REPEATABLE-READ");
  EXPECT_EQ(level->GetInt(0, 1), 7);
}

TEST(MysqlConnectionTest, HostileNamesAndValuesRoundTrip) {
  Connection conn = OpenOrDie(testing::FreshMariadbDatabaseUrl());
  const std::vector<std::string> names = {
      "plain",
      "with space",
      "back`tick",
      "``",
      "it's",
      "dq\"",
      "back\\slash",
      "semi;colon --",
      "\xc3\xa9t\xc3\xa9",  // été
      "\xe8\xa1\xa8",       // 表: its UTF-8 holds no 0x5c, unlike Shift-JIS
      "/*! evil */",
      "x` INT); DROP TABLE t; --"};
  std::string columns;
  for (size_t i = 0; i < names.size(); ++i) {
    Result<std::string> quoted = QuoteIdentifierChecked(names[i]);
    ASSERT_TRUE(quoted.ok()) << quoted.status().ToString();
    columns += (i ? ", " : "") + *quoted + " TEXT";
  }
  const std::string table = "t`\\'\" \xe8\xa1\xa8";
  Status created = conn.Run("CREATE TABLE " + QuoteIdentifier(table) + " (" + columns + ")");
  ASSERT_TRUE(created.ok()) << created.ToString();
  Result<Rows> rows = conn.Exec(
      "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
      "DATABASE() ORDER BY ORDINAL_POSITION");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), static_cast<int>(names.size()));
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(rows->Get(static_cast<int>(i), 0), table);
    EXPECT_EQ(rows->Get(static_cast<int>(i), 1), names[i]);
  }

  // Names are utf8mb3: a character above U+FFFF is refused before the server
  // is asked, and by the server if asked anyway.
  const std::string emoji = "\xf0\x9f\x90\x98";
  Result<std::string> refused = QuoteIdentifierChecked(emoji);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("utf8mb3"), std::string::npos);
  EXPECT_EQ(ErrorNumber(conn.Run("CREATE TABLE " + QuoteIdentifier(emoji) + " (id INT)")), 1300);

  std::vector<std::string> values = names;
  values.push_back("\xf0\x9f\x90\x98 emoji");  // 4 bytes: fine in a utf8mb4 value
  values.push_back(std::string("nul\0byte", 8));
  values.push_back("\\'; SELECT 1; --");
  values.push_back("ctrl-z \x1a and \r\n");
  values.push_back("\\");
  for (const std::string& value : values) {
    Result<Rows> echo = conn.Exec("SELECT " + QuoteLiteral(value));
    ASSERT_TRUE(echo.ok()) << echo.status().ToString();
    EXPECT_EQ(echo->Get(0, 0), value);
  }
}

TEST(MysqlConnectionTest, ErrorsCarryTheServerNumberAndSqlstate) {
  Connection conn = OpenOrDie(testing::FreshMariadbDatabaseUrl());
  ASSERT_TRUE(conn.Run("CREATE TABLE t (id INT PRIMARY KEY)").ok());

  Status duplicate = conn.Run("CREATE TABLE t (id INT)");
  EXPECT_EQ(duplicate.code(), Code::kDatabase);
  EXPECT_EQ(ErrorNumber(duplicate), errors::kTableExists);
  EXPECT_EQ(duplicate.sqlstate(), "42S01");
  EXPECT_NE(duplicate.message().find("Table 't' already exists"), std::string::npos)
      << duplicate.message();
  EXPECT_NE(duplicate.message().find("CREATE TABLE t (id INT)"), std::string::npos);
  // Context added later keeps the number readable.
  EXPECT_EQ(ErrorNumber(duplicate.WithContext("creating t")), errors::kTableExists);

  Status unknown = conn.Run("SELECT nope FROM t");
  EXPECT_EQ(ErrorNumber(unknown), errors::kBadField);
  EXPECT_EQ(unknown.sqlstate(), "42S22");

  ASSERT_TRUE(conn.Run("INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ(ErrorNumber(conn.Run("INSERT INTO t VALUES (1)")), errors::kDuplicateEntry);
  EXPECT_EQ(ErrorNumber(conn.Run("ALTER TABLE t ADD COLUMN id INT")), errors::kDuplicateColumn);
  ASSERT_TRUE(conn.Run("CREATE INDEX i ON t (id)").ok());
  EXPECT_EQ(ErrorNumber(conn.Run("CREATE INDEX i ON t (id)")), errors::kDuplicateKeyName);

  // One statement per call: a second one is a syntax error, never run.
  Status two = conn.Run("INSERT INTO t VALUES (2); INSERT INTO t VALUES (3)");
  EXPECT_EQ(ErrorNumber(two), 1064);
  Result<Rows> count = conn.Exec("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->GetInt(0, 0), 1);

  EXPECT_EQ(ErrorNumber(Status::Ok()), 0);
  EXPECT_EQ(ErrorNumber(InvalidInput("no number here (MariaDB error x)")), 0);
}

TEST(MysqlConnectionTest, AccessDeniedIsNumbered) {
  servers::MariadbServer& server = testing::SharedMariadbServer();
  std::string url = testing::FreshMariadbDatabaseUrl();
  Connection root = OpenOrDie(url);
  ASSERT_TRUE(root.Run("CREATE TABLE t (id INT)").ok());
  ASSERT_TRUE(root.Run("CREATE USER IF NOT EXISTS 'reader'@'%' IDENTIFIED BY 'pw'").ok());
  Connection reader =
      OpenOrDie("mariadb://reader:pw@127.0.0.1:" + std::to_string(server.port()) + "/");
  std::string db = url.substr(url.rfind('/') + 1);
  EXPECT_EQ(ErrorNumber(reader.Run("SELECT * FROM " + QuoteIdentifier(db) + ".t")),
            errors::kTableAccessDenied);
  EXPECT_EQ(ErrorNumber(reader.Run("USE " + QuoteIdentifier(db))), errors::kDbAccessDenied);
}

TEST(MysqlConnectionTest, APasswordNeverAppearsInAnError) {
  servers::MariadbServer& server = testing::SharedMariadbServer();
  Connection root = OpenOrDie(server.Url());
  ASSERT_TRUE(root.Run("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'right'").ok());
  const std::string port = std::to_string(server.port());
  struct Case {
    std::string url;
    int number;
  };
  for (const Case& c : std::vector<Case>{
           {std::string("mariadb://app:") + kSecretEncoded + "@127.0.0.1:" + port + "/",
            errors::kAccessDenied},
           {std::string("mariadb://root:") + kSecretEncoded + "@127.0.0.1:" + port + "/",
            errors::kAccessDenied},
           {std::string("mariadb://app:") + kSecretEncoded + "@no-such-host.invalid:" + port + "/",
            errors::kClientUnknownHost},
           {std::string("mariadb://app:") + kSecretEncoded + "@localhost/?socket=/nonexistent.sock",
            errors::kClientConnectionError},
       }) {
    Result<Connection> conn = Connection::Open(c.url);
    ASSERT_FALSE(conn.ok()) << c.url;
    std::string text = conn.status().ToString();
    EXPECT_EQ(ErrorNumber(conn.status()), c.number) << text;
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    EXPECT_EQ(text.find(kSecretEncoded), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
    EXPECT_NE(text.find("***"), std::string::npos) << text;  // the redacted URL is named
  }
  // A statement that carries the session's own password is scrubbed too.
  Result<Connection> app = Connection::Open("mariadb://app:right@127.0.0.1:" + port + "/");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  Status echoed = app->Run("SELECT * FROM no_db_selected WHERE secret = 'right'");
  ASSERT_FALSE(echoed.ok());
  EXPECT_EQ(echoed.message().find("'right'"), std::string::npos) << echoed.message();
}

}  // namespace
}  // namespace zs::mysql
