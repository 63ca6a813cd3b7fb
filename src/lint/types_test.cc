// Type-change decisions and the embedded catalog, against what PostgreSQL 15 does.
#include "lint/types.h"

#include <gtest/gtest.h>

#include "lint/catalog.h"

namespace zs::lint {
namespace {

TypeRef Type(std::string name, std::vector<int64_t> mods = {}, bool array = false) {
  TypeRef t;
  t.name = std::move(name);
  t.mods = std::move(mods);
  t.array = array;
  return t;
}

Rewrite Decide(const TypeRef& from, const TypeRef& to) {
  return DecideTypeChange(&from, to, true, Catalog::Builtin()).rewrite;
}

Rewrite DecideUnknownFrom(const TypeRef& to) {
  return DecideTypeChange(nullptr, to, true, Catalog::Builtin()).rewrite;
}

TEST(TypeChange, BinaryCoercibleAndWideningAreFree) {
  EXPECT_EQ(Decide(Type("varchar", {50}), Type("varchar", {100})), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("varchar", {50}), Type("varchar")), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("varchar", {50}), Type("text")), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("text"), Type("varchar")), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("numeric", {10, 2}), Type("numeric", {12, 2})), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("numeric", {10}), Type("numeric", {12})), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("numeric", {10, 2}), Type("numeric")), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("varbit", {8}), Type("varbit", {16})), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("timestamptz", {3}), Type("timestamptz", {6})), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("cidr"), Type("inet")), Rewrite::kNo);
  EXPECT_EQ(Decide(Type("bpchar", {5}), Type("bpchar")), Rewrite::kNo);
}

TEST(TypeChange, EverythingElseRewrites) {
  EXPECT_EQ(Decide(Type("int4"), Type("int8")), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("int8"), Type("int4")), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("varchar", {100}), Type("varchar", {50})), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("text"), Type("varchar", {50})), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("varchar"), Type("varchar", {50})), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("numeric", {10, 2}), Type("numeric", {12, 3})), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("numeric"), Type("numeric", {12, 2})), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("bpchar", {5}), Type("bpchar", {10})), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("text"), Type("text", {}, true)), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("text"), Type("uuid")), Rewrite::kYes);
  EXPECT_EQ(Decide(Type("inet"), Type("cidr")), Rewrite::kYes);
}

TEST(TypeChange, TimestampToTimestamptzDependsOnTimeZone) {
  EXPECT_EQ(Decide(Type("timestamp"), Type("timestamptz")), Rewrite::kMaybe);
  EXPECT_EQ(Decide(Type("timestamptz"), Type("timestamp")), Rewrite::kMaybe);
}

TEST(TypeChange, UnknownOldTypeIsCertainOnlyWithoutBinarySources) {
  EXPECT_EQ(DecideUnknownFrom(Type("int8")), Rewrite::kYes);
  EXPECT_EQ(DecideUnknownFrom(Type("uuid")), Rewrite::kYes);
  EXPECT_EQ(DecideUnknownFrom(Type("int4")), Rewrite::kYes);  // only oid and reg* are binary
  EXPECT_EQ(DecideUnknownFrom(Type("text")), Rewrite::kMaybe);
  EXPECT_EQ(DecideUnknownFrom(Type("varchar", {200})), Rewrite::kMaybe);
  EXPECT_EQ(DecideUnknownFrom(Type("numeric", {12, 2})), Rewrite::kMaybe);
  EXPECT_EQ(DecideUnknownFrom(Type("timestamptz")), Rewrite::kMaybe);
  TypeChange with_using =
      DecideTypeChange(nullptr, Type("text"), /*plain_using=*/false, Catalog::Builtin());
  EXPECT_EQ(with_using.rewrite, Rewrite::kYes);
}

TEST(TypeRef, DisplaysAsUsersWriteIt) {
  EXPECT_EQ(Type("int8").Display(), "bigint");
  EXPECT_EQ(Type("varchar", {100}).Display(), "varchar(100)");
  EXPECT_EQ(Type("numeric", {10, 2}).Display(), "numeric(10,2)");
  EXPECT_EQ(Type("text", {}, true).Display(), "text[]");
  EXPECT_EQ(Type("bpchar", {3}).Display(), "char(3)");
}

TEST(Catalog, VolatilityFromTheServersCatalog) {
  const Catalog& catalog = Catalog::Builtin();
  EXPECT_GT(catalog.function_count(), 3000u);
  EXPECT_EQ(catalog.Function("now", 0)->volatility, Volatility::kStable);
  EXPECT_EQ(catalog.Function("random", 0)->volatility, Volatility::kVolatile);
  EXPECT_EQ(catalog.Function("gen_random_uuid", 0)->volatility, Volatility::kVolatile);
  EXPECT_EQ(catalog.Function("clock_timestamp", 0)->volatility, Volatility::kVolatile);
  EXPECT_EQ(catalog.Function("lower", 1)->volatility, Volatility::kImmutable);
  EXPECT_EQ(catalog.Function("nextval", 1)->volatility, Volatility::kVolatile);
  // to_timestamp(double) is immutable, to_timestamp(text, text) stable: the arity decides.
  EXPECT_EQ(catalog.Function("to_timestamp", 1)->volatility, Volatility::kImmutable);
  EXPECT_EQ(catalog.Function("to_timestamp", 2)->volatility, Volatility::kStable);
  // concat is VARIADIC "any" and STABLE.
  EXPECT_EQ(catalog.Function("concat", 5)->volatility, Volatility::kStable);
  std::optional<FunctionInfo> v4 = catalog.Function("uuid_generate_v4", 0);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->volatility, Volatility::kVolatile);
  EXPECT_EQ(v4->origin, "uuid-ossp");
  EXPECT_FALSE(catalog.Function("no_such_function", 0));
  EXPECT_TRUE(catalog.BinaryCoercible("varchar", "text"));
  EXPECT_FALSE(catalog.BinaryCoercible("int4", "int8"));
}

TEST(Catalog, SkipsMalformedLines) {
  Catalog catalog("# comment\nf\t\t0\tf\ts\tpg_catalog\nbroken line\n\ng\tint4\t0\tf\ti\tx\n",
                  "a\tb\nonly-one\n");
  EXPECT_EQ(catalog.function_count(), 2u);
  EXPECT_EQ(catalog.Function("g", 1)->volatility, Volatility::kImmutable);
  EXPECT_TRUE(catalog.BinaryCoercible("a", "b"));
}

}  // namespace
}  // namespace zs::lint
