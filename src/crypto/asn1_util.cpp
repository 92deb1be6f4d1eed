#include "crypto/asn1_util.hpp"

#include <openssl/objects.h>

#include <array>
#include <cctype>
#include <chrono>
#include <ctime>

namespace signet::crypto {

std::optional<TimePoint> asn1_time_to_point(const ASN1_TIME* time) {
  if (time == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                           day{static_cast<unsigned>(tm.tm_mday)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
}

Asn1TimePtr asn1_time_from_point(TimePoint time) {
  const auto secs = static_cast<time_t>(time.time_since_epoch().count());
  return Asn1TimePtr(ASN1_TIME_set(nullptr, secs));
}

std::string oid_text(const ASN1_OBJECT* obj) {
  if (obj == nullptr) return {};
  std::array<char, 128> buf{};
  const int len = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
  if (len <= 0) return {};
  if (static_cast<std::size_t>(len) < buf.size()) return std::string(buf.data(), len);
  // Longer than the buffer: ask again with the exact size.
  std::string out(static_cast<std::size_t>(len) + 1, '\0');
  OBJ_obj2txt(out.data(), len + 1, obj, 1);
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::string digest_nid_name(int nid) {
  const char* ln = OBJ_nid2ln(nid);
  if (nid == NID_undef || ln == nullptr) return {};
  std::string out(ln);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

std::string entry_short_name(const X509_NAME_ENTRY* entry) {
  const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(entry);
  const int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) {
    if (const char* sn = OBJ_nid2sn(nid); sn != nullptr) return sn;
  }
  return oid_text(obj);
}

std::string entry_utf8_value(const X509_NAME_ENTRY* entry) {
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  const OsslBytePtr owner(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
}

void append_escaped(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    if (c < 0x20 || c == 0x7f) {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
      continue;
    }
    if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
        c == '=' || edge_space || (i == 0 && c == '#')) {
      out += '\\';
    }
    out += static_cast<char>(c);
  }
}

}  // namespace

std::string x509_name_text(const X509_NAME* name) {
  std::string out;
  if (name == nullptr) return out;
  const int count = X509_NAME_entry_count(name);
  int previous_set = -1;
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int set = X509_NAME_ENTRY_set(entry);
    if (i > 0) out += (set == previous_set) ? "+" : ", ";
    previous_set = set;
    out += entry_short_name(entry);
    out += '=';
    append_escaped(out, entry_utf8_value(entry));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> x509_name_attributes(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  if (name == nullptr) return out;
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    out.emplace_back(entry_short_name(entry), entry_utf8_value(entry));
  }
  return out;
}

Bytes asn1_string_bytes(const ASN1_STRING* str) {
  if (str == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(str);
  const int len = ASN1_STRING_length(str);
  if (data == nullptr || len <= 0) return {};
  return Bytes(data, data + len);
}

std::string asn1_integer_hex(const ASN1_INTEGER* value) {
  if (value == nullptr) return {};
  const BignumPtr bn(ASN1_INTEGER_to_BN(value, nullptr));
  if (!bn) return {};
  const OsslCharPtr hex(BN_bn2hex(bn.get()));
  if (!hex) return {};
  std::string out(hex.get());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace signet::crypto
