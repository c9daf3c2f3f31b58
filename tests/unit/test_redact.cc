#include <gtest/gtest.h>

#include "recording/redact.h"

using namespace buildiff;

TEST(Glob, Matches) {
    EXPECT_TRUE(glob_match("*TOKEN*", "GITHUB_TOKEN"));
    EXPECT_TRUE(glob_match("*TOKEN*", "TOKEN"));
    EXPECT_TRUE(glob_match("*_KEY", "API_KEY"));
    EXPECT_FALSE(glob_match("*_KEY", "KEYBOARD"));
    EXPECT_FALSE(glob_match("*_KEY", "API_KEYS"));
    EXPECT_TRUE(glob_match("A*B*C", "AxxBxxC"));
    EXPECT_FALSE(glob_match("A*B*C", "AxxBxx"));
}

TEST(SecretNames, CommonCredentialsAreSecret) {
    for (const char* name : {"GITHUB_TOKEN", "CARGO_REGISTRY_TOKEN", "AWS_SECRET_ACCESS_KEY",
                             "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "DB_PASSWORD", "npm_token",
                             "SIGNING_KEY", "NPM_CONFIG__AUTH", "my_api_key"})
        EXPECT_TRUE(is_secret_name(name)) << name;
    for (const char* name : {"PATH", "CC", "CFLAGS", "RUSTFLAGS", "SOURCE_DATE_EPOCH", "LANG",
                             "HOME", "KEYMAP", "SCCACHE_DIR"})
        EXPECT_FALSE(is_secret_name(name)) << name;
}

TEST(Redactor, HashesSecretsWithTheSaltOnly) {
    Redactor a("salt-one"), b("salt-one"), c("salt-two");
    std::string v = a.value_for("GITHUB_TOKEN", "ghp_secret");
    EXPECT_TRUE(v.starts_with(kRedactedPrefix));
    EXPECT_EQ(v.find("ghp_secret"), std::string::npos);
    EXPECT_EQ(v, b.value_for("GITHUB_TOKEN", "ghp_secret"));  // comparable across recordings
    EXPECT_NE(v, c.value_for("GITHUB_TOKEN", "ghp_secret"));  // but only with the same salt
    EXPECT_NE(v, a.value_for("GITHUB_TOKEN", "ghp_other"));
    EXPECT_EQ(a.value_for("CFLAGS", "-O2"), "-O2");
    EXPECT_EQ(a.salt_id(), b.salt_id());
    EXPECT_NE(a.salt_id(), c.salt_id());
}
