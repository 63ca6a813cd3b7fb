// A test fixture with a backend session on a fresh database of the shared
// throwaway MariaDB (testing/shared_mariadb.h), for the tests of one concern's
// MariaDB implementation.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "testing/shared_mariadb.h"

namespace zs::testing {

class MariadbSessionTest : public ::testing::Test {
 protected:
  // A derived SetUp calls this first and returns on HasFatalFailure().
  void SetUp() override {
    url_ = FreshMariadbDatabaseUrl();
    auto backend = backend::MariadbBackendForUrl(url_);
    ASSERT_TRUE(backend.ok()) << backend.status().message();
    auto session = (*backend)->Connect(url_);
    ASSERT_TRUE(session.ok()) << session.status().message();
    session_ = std::move(*session);
    conn_ = &backend::MariadbConnection(*session_);
    database_ = mysql::ParseUrl(url_)->database;
  }

  // Runs `sql` on the session's connection; a failure fails the test.
  void Run(const std::string& sql) {
    Status status = conn_->Run(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }

  std::string url_;
  std::unique_ptr<backend::Session> session_;
  mysql::Connection* conn_ = nullptr;  // session_'s
  std::string database_;
};

}  // namespace zs::testing
