// Helpers shared by the engine's integration tests (engine_test.cc,
// engine_concurrency_test.cc, engine_cli_test.cc, round_trip_test.cc). Test-only: never
// included by the core library.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/engine.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/seed_migration.h"
#include "testing/test_support.h"
#include "testing/write_log.h"

namespace zs::engine::test_util {

using zs::testing::MustRun;

inline constexpr const char* kSplitName = zs::testing::kSplitNameYaml;
inline constexpr const char* kVersionSchema = "public_02_split_name";

// A migration the test wrote, named after 02_split_name.yaml unless `file`
// says otherwise (see zs::testing::MustParseMigration).
inline migration::Migration Parse(const std::string& yaml,
                                  const std::string& file = "02_split_name.yaml") {
  return zs::testing::MustParseMigration(yaml, file);
}

// The seed's split-name migration (kSplitName), read as 02_split_name.yaml.
inline migration::Migration SplitName() { return Parse(kSplitName); }

// Connects an engine with `options` or fails the test and aborts.
inline Engine MustConnect(const std::string& url, Options options = {}) {
  Result<Engine> engine = Engine::Connect(url, std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) std::abort();
  return std::move(engine).value();
}

// MustConnect, then Init (`zeroshift init`): its failure fails the test.
inline Engine MustConnectAndInit(const std::string& url, Options options = {}) {
  Engine engine = MustConnect(url, std::move(options));
  Status init = engine.Init();
  EXPECT_TRUE(init.ok()) << init.ToString();
  return engine;
}

inline Engine Connect(const std::string& url, int batch_size = 1000) {
  Options options;
  options.backfill.batch_size = batch_size;
  return MustConnectAndInit(url, std::move(options));
}

// users(id bigserial pk, name text not null) with `rows` rows "First<i> Last<i>".
inline void CreateUsers(pg::Connection& conn, int rows) {
  MustRun(conn, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(conn, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                            "generate_series(1, {}) AS i",
                            rows));
}

// A row as the last client that wrote it left it (the split's two columns).
struct WrittenRow {
  std::string first;
  std::string last;
  std::string writer;  // for messages
};

// What concurrent clients wrote, by row id, and the errors they met; every
// client thread records into one.
using WriteLog = zs::testing::WriteLog<WrittenRow>;

}  // namespace zs::engine::test_util
