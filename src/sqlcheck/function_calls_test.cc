#include "sqlcheck/function_calls.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "sqlcheck/expression.h"

namespace zs::sqlcheck {
namespace {

const char kWhat[] = "03_add_created.yaml:6:9 add_column users column \"created_at\" default";

// Calls the catalog has, as written in real defaults: accepted.
const std::vector<std::string> kExistingCalls = {
    "now()",
    "gen_random_uuid()",
    "nextval('users_id_seq')",
    "nextval(12345)",  // an integer converts implicitly to regclass
    "date_trunc('day', now())",
    "date_trunc('day', now(), 'UTC')",
    "to_char(now(), 'YYYY')",
    "round(1.5)",
    "round(2.345, 2)",
    "concat('a', 1, true, now())",  // VARIADIC "any"
    "coalesce(lower(name), '')",    // coalesce is no function call
    "extract(year FROM now())",     // SQL syntax, parsed as pg_catalog.extract
    "public.now(123)",              // qualified: the user's own, left to the server
    "my_uuid_v7()",                 // not in pg_catalog: left to the server
    "(SELECT count(*) FROM users)",
    "length('abc') + abs(-3)",
    "make_interval(days => 3)",
};

class ExistingCallTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExistingCallTest, IsAccepted) {
  Result<std::string> out = ValidateExpression(GetParam(), kWhat);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(FunctionCalls, ExistingCallTest, ::testing::ValuesIn(kExistingCalls));

struct MissingCall {
  std::string expression;
  std::string message;  // a part of the error
};

const std::vector<MissingCall> kMissingCalls = {
    {"now(123)",
     "now() is called with 1 argument, and PostgreSQL has no such function: it has "
     "now()"},
    {"gen_random_uuid(4)", "gen_random_uuid() is called with 1 argument"},
    {"date_trunc('day')",
     "date_trunc() is called with 1 argument, and PostgreSQL has no such "
     "function: it has date_trunc(text, interval), date_trunc(text, "
     "timestamp)"},
    {"date_trunc(1, now())",
     "date_trunc() is called with an integer as argument 1, and no "
     "date_trunc() takes that"},
    {"lower(true)", "lower() is called with a boolean as argument 1"},
    {"coalesce(now(1), now())", "now() is called with 1 argument"},
    {"SELECT now(1, 2)", "now() is called with 2 arguments"},
};

// Test listings (and CTest's names) show the expression, not the struct's bytes.
void PrintTo(const MissingCall& call, std::ostream* out) { *out << call.expression; }

class MissingCallTest : public ::testing::TestWithParam<MissingCall> {};

TEST_P(MissingCallTest, IsRefusedNamingTheObjectAndTheCall) {
  const MissingCall& c = GetParam();
  Result<std::string> out = ValidateExpression(c.expression, kWhat);
  ASSERT_FALSE(out.ok()) << c.expression;
  const std::string& message = out.status().message();
  EXPECT_NE(message.find(std::string(kWhat) + ": `" + c.expression + "`"), std::string::npos)
      << message;
  EXPECT_NE(message.find(c.message), std::string::npos) << message;
  EXPECT_NE(message.find("qualify it with its schema"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(FunctionCalls, MissingCallTest, ::testing::ValuesIn(kMissingCalls));

}  // namespace
}  // namespace zs::sqlcheck
