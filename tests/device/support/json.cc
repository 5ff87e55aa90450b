// SPDX-License-Identifier: GPL-2.0
#include "json.h"

#include <cstdio>
#include <cstdlib>

namespace devtest {

class JsonParser {
public:
    explicit JsonParser(const std::string& s) : s_(s) {}

    bool parse(Json* out) {
        if (!value(out, 0))
            return false;
        ws();
        return pos_ == s_.size();
    }

private:
    void ws() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n'))
            pos_++;
    }
    bool literal(const char* word) {
        size_t n = std::char_traits<char>::length(word);
        if (s_.compare(pos_, n, word) != 0)
            return false;
        pos_ += n;
        return true;
    }
    bool string(std::string* out) {
        if (pos_ >= s_.size() || s_[pos_] != '"')
            return false;
        pos_++;
        while (pos_ < s_.size()) {
            char c = s_[pos_++];
            if (c == '"')
                return true;
            if (c != '\\') {
                out->push_back(c);
                continue;
            }
            if (pos_ >= s_.size())
                return false;
            char e = s_[pos_++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out->push_back(e);
                break;
            case 'b':
                out->push_back('\b');
                break;
            case 'f':
                out->push_back('\f');
                break;
            case 'n':
                out->push_back('\n');
                break;
            case 'r':
                out->push_back('\r');
                break;
            case 't':
                out->push_back('\t');
                break;
            case 'u': {
                if (pos_ + 4 > s_.size())
                    return false;
                unsigned cp =
                    static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
                pos_ += 4;
                if (cp < 0x80) {
                    out->push_back(static_cast<char>(cp));
                } else if (cp < 0x800) {
                    out->push_back(static_cast<char>(0xc0 | cp >> 6));
                    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
                } else {
                    out->push_back(static_cast<char>(0xe0 | cp >> 12));
                    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
                    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
                }
                break;
            }
            default:
                return false;
            }
        }
        return false;
    }
    bool value(Json* out, int depth) {
        if (depth > 64)
            return false;
        ws();
        if (pos_ >= s_.size())
            return false;
        char c = s_[pos_];
        if (c == '{') {
            pos_++;
            out->type_ = Json::Type::Object;
            ws();
            if (pos_ < s_.size() && s_[pos_] == '}') {
                pos_++;
                return true;
            }
            for (;;) {
                ws();
                std::string key;
                if (!string(&key))
                    return false;
                ws();
                if (pos_ >= s_.size() || s_[pos_++] != ':')
                    return false;
                Json v;
                if (!value(&v, depth + 1))
                    return false;
                out->object_[key] = std::move(v);
                ws();
                if (pos_ >= s_.size())
                    return false;
                if (s_[pos_] == ',') {
                    pos_++;
                    continue;
                }
                if (s_[pos_] == '}') {
                    pos_++;
                    return true;
                }
                return false;
            }
        }
        if (c == '[') {
            pos_++;
            out->type_ = Json::Type::Array;
            ws();
            if (pos_ < s_.size() && s_[pos_] == ']') {
                pos_++;
                return true;
            }
            for (;;) {
                Json v;
                if (!value(&v, depth + 1))
                    return false;
                out->array_.push_back(std::move(v));
                ws();
                if (pos_ >= s_.size())
                    return false;
                if (s_[pos_] == ',') {
                    pos_++;
                    continue;
                }
                if (s_[pos_] == ']') {
                    pos_++;
                    return true;
                }
                return false;
            }
        }
        if (c == '"') {
            out->type_ = Json::Type::String;
            return string(&out->string_);
        }
        if (literal("true")) {
            out->type_ = Json::Type::Bool;
            out->bool_ = true;
            return true;
        }
        if (literal("false")) {
            out->type_ = Json::Type::Bool;
            return true;
        }
        if (literal("null"))
            return true;
        const char* begin = s_.c_str() + pos_;
        char* end = nullptr;
        double d = std::strtod(begin, &end);
        if (end == begin)
            return false;
        pos_ += static_cast<size_t>(end - begin);
        out->type_ = Json::Type::Number;
        out->number_ = d;
        return true;
    }

    const std::string& s_;
    size_t pos_ = 0;
};

std::optional<Json> Json::parse(const std::string& text) {
    Json j;
    JsonParser p(text);
    if (!p.parse(&j))
        return std::nullopt;
    return j;
}

std::string Json::quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    return out + "\"";
}

const Json& Json::operator[](const std::string& key) const {
    static const Json null;
    auto it = object_.find(key);
    return it == object_.end() ? null : it->second;
}

std::string Json::dump() const {
    switch (type_) {
    case Type::Null:
        return "null";
    case Type::Bool:
        return bool_ ? "true" : "false";
    case Type::Number: {
        char buf[64];
        if (number_ == static_cast<double>(static_cast<int64_t>(number_)))
            std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(number_));
        else
            std::snprintf(buf, sizeof(buf), "%.17g", number_);
        return buf;
    }
    case Type::String:
        return quote(string_);
    case Type::Array: {
        std::string out = "[";
        for (size_t i = 0; i < array_.size(); i++)
            out += (i ? "," : "") + array_[i].dump();
        return out + "]";
    }
    case Type::Object: {
        std::string out = "{";
        bool first = true;
        for (const auto& [k, v] : object_) {
            out += (first ? "" : ",") + quote(k) + ":" + v.dump();
            first = false;
        }
        return out + "}";
    }
    }
    return "null";
}

} // namespace devtest
