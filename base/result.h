// Expected failures as values: a Result<T> holds either a T or an Error a user can act on.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace buildiff {

struct Error {
    std::string message;  // one line, names the file and the problem
};

template <typename T>
class Result {
  public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(m_v); }
    const T& value() const { return std::get<T>(m_v); }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<Error>(m_v); }

  private:
    std::variant<T, Error> m_v;
};

}  // namespace buildiff
