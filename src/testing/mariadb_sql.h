// SQL helpers the MariaDB tests share: open a connection, run a statement,
// read rows as text. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"

namespace zs::testing::mariadb_sql {

// A connection to `url` for a fixture's SetUp; throws when it fails.
inline std::unique_ptr<mysql::Connection> ConnectOrThrow(const std::string& url) {
  auto conn = mysql::Connection::Open(url);
  if (!conn.ok()) throw std::runtime_error("connect: " + conn.status().ToString());
  return std::make_unique<mysql::Connection>(std::move(conn).value());
}

// A session of MariaDB's backend on `url` for a fixture's SetUp; throws when it fails.
inline std::unique_ptr<backend::Session> SessionOrThrow(const std::string& url) {
  auto backend = backend::MariadbBackendForUrl(url);
  if (!backend.ok()) throw std::runtime_error("backend: " + backend.status().ToString());
  auto session = (*backend)->Connect(url);
  if (!session.ok()) throw std::runtime_error("session: " + session.status().ToString());
  return std::move(session).value();
}

// The rows of `sql`, a row's values joined with "|" ("NULL" for NULL); throws,
// naming the statement, when it fails.
inline std::vector<std::string> Rows(mysql::Connection& conn, const std::string& sql) {
  auto rows = conn.Exec(sql);
  if (!rows.ok()) throw std::runtime_error(sql + ": " + rows.status().ToString());
  std::vector<std::string> out;
  for (int r = 0; r < rows->size(); ++r) {
    std::string row;
    for (int c = 0; c < rows->columns(); ++c) {
      row += (c == 0 ? "" : "|") + (rows->IsNull(r, c) ? std::string("NULL") : rows->Get(r, c));
    }
    out.push_back(row);
  }
  return out;
}

// A connection to `url`, or the test fails and the process aborts.
inline mysql::Connection OpenOrDie(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

// Runs `sql`; its failure fails the test.
inline void RunOk(mysql::Connection& conn, const std::string& sql) {
  Status status = conn.Run(sql);
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << sql;
}

// The first value of `sql`'s first row: "NULL" for NULL, "<none>" without a row.
inline std::string One(mysql::Connection& conn, const std::string& sql) {
  Result<mysql::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString() << "\n" << sql;
  if (!rows.ok() || rows->empty()) return "<none>";
  return rows->IsNull(0, 0) ? "NULL" : rows->Get(0, 0);
}

// The database a URL names (the last part of its path).
inline std::string DatabaseOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

}  // namespace zs::testing::mariadb_sql
