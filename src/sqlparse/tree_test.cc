#include "sqlparse/tree.h"

#include <gtest/gtest.h>

#include <string>

namespace zs::sqlparse {
namespace {

TEST(JsonDoc, ReadsObjectsArraysAndScalars) {
  std::string json = R"({"a": 1, "b": [true, false, null, "x\"y\u00e9"], "c": {}, "d": -7})";
  JsonDoc doc;
  std::string error;
  ASSERT_TRUE(doc.Parse(json, &error)) << error;
  JsonValue root = doc.root();
  EXPECT_EQ(root.size(), 4u);
  EXPECT_EQ(root["a"].int_or(0), 1);
  EXPECT_EQ(root["d"].int_or(0), -7);
  EXPECT_EQ(root["b"].size(), 4u);
  EXPECT_TRUE(root["b"].front().is_true());
  std::vector<std::string> strings;
  for (JsonValue v : root["b"]) strings.emplace_back(v.str());
  EXPECT_EQ(strings[3], "x\"y\xc3\xa9");
  EXPECT_TRUE(root["c"].is_object());
  EXPECT_EQ(root["c"].size(), 0u);
  EXPECT_FALSE(root["missing"].exists());
  EXPECT_FALSE(root["missing"]["deeper"].exists());
  EXPECT_FALSE(root["a"].front().exists());
}

TEST(JsonDoc, WrappedNodesAndCanonicalText) {
  JsonDoc a, b;
  std::string ja = R"({"FuncCall": {"funcname": [{"String": {"sval": "f"}}], "location": 3}})";
  std::string jb = R"({"FuncCall": {"funcname": [{"String": {"sval": "f"}}], "location": 99}})";
  ASSERT_TRUE(a.Parse(ja, nullptr));
  ASSERT_TRUE(b.Parse(jb, nullptr));
  EXPECT_EQ(a.root().type(), "FuncCall");
  EXPECT_EQ(a.root().inner()["location"].int_or(0), 3);
  EXPECT_EQ(a.root().Canonical("location"), b.root().Canonical("location"));
  EXPECT_NE(a.root().Canonical(""), b.root().Canonical(""));
}

TEST(JsonDoc, RejectsMalformedInputWithoutCrashing) {
  for (const char* bad : {"", "{", "[1,", "{\"a\" 1}", "{\"a\":}", "[1] 2", "\"\\u12\"", "tru",
                          "{\"a\":1,}", "[\"\\q\"]"}) {
    JsonDoc doc;
    std::string error;
    EXPECT_FALSE(doc.Parse(bad, &error)) << bad;
    EXPECT_FALSE(doc.root().exists());
  }
}

TEST(JsonDoc, DeepNestingNeedsNoStack) {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(deep, nullptr));
  EXPECT_EQ(doc.root().size(), 1u);
}

TEST(JsonDoc, DepthCountsEveryLevel) {
  JsonDoc doc;
  std::string scalar = "1";
  ASSERT_TRUE(doc.Parse(scalar, nullptr));
  EXPECT_EQ(doc.root().Depth(), 1u);
  std::string nested = R"({"a": 1, "b": [[2], {}], "c": {"d": {"e": true}}})";
  ASSERT_TRUE(doc.Parse(nested, nullptr));
  EXPECT_EQ(doc.root().Depth(), 4u);
  EXPECT_EQ(doc.root()["b"].Depth(), 3u);
  EXPECT_EQ(JsonValue().Depth(), 0u);
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  ASSERT_TRUE(doc.Parse(deep, nullptr));
  EXPECT_EQ(doc.root().Depth(), 200000u);
}

}  // namespace
}  // namespace zs::sqlparse
