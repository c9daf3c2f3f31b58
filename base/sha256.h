// SHA-256 (FIPS 180-4), for what a person checks with coreutils' sha256sum: the reproducer
// scripts buildiff writes check their inputs and print their outputs with it.
#pragma once

#include <string>
#include <string_view>

namespace buildiff {

class Sha256 {
  public:
    Sha256();
    void update(std::string_view bytes);
    std::string hex();  // 64 lowercase hex digits; the object is spent

  private:
    void block(const unsigned char* p);
    unsigned int m_h[8];
    unsigned char m_buf[64];
    std::size_t m_used = 0;
    unsigned long long m_bits = 0;
};

std::string sha256_hex(std::string_view bytes);
// Of a file's content; "" when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace buildiff
