// SPDX-License-Identifier: GPL-2.0
// A small JSON value and parser, enough for QMP replies and events.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace devtest {

class Json {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Json() = default;
    static std::optional<Json> parse(const std::string& text);
    // Quotes and escapes s as a JSON string literal.
    static std::string quote(const std::string& s);

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::Null; }
    bool is_object() const { return type_ == Type::Object; }
    bool is_array() const { return type_ == Type::Array; }
    bool is_string() const { return type_ == Type::String; }
    bool is_number() const { return type_ == Type::Number; }

    bool boolean() const { return bool_; }
    double number() const { return number_; }
    int64_t integer() const { return static_cast<int64_t>(number_); }
    const std::string& str() const { return string_; }
    const std::vector<Json>& array() const { return array_; }
    const std::map<std::string, Json>& object() const { return object_; }

    bool has(const std::string& key) const { return object_.count(key) != 0; }
    // The member key, or a null value.
    const Json& operator[](const std::string& key) const;
    // Compact serialization.
    std::string dump() const;

private:
    friend class JsonParser;
    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<Json> array_;
    std::map<std::string, Json> object_;
};

} // namespace devtest
