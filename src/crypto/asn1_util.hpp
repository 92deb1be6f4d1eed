// Small conversions between OpenSSL's ASN.1 types and signet's value types, shared by the crypto
// layer: times, OIDs, distinguished names, integers, DER encodings.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/hex.hpp"
#include "core/time.hpp"
#include "crypto/ossl.hpp"

namespace signet::crypto {

// UTCTime or GeneralizedTime -> seconds since the epoch; nullopt when OpenSSL cannot read it.
[[nodiscard]] std::optional<TimePoint> asn1_time_to_point(const ASN1_TIME* time);
// UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5); null on failure.
[[nodiscard]] Asn1TimePtr asn1_time_from_point(TimePoint time);

// Dotted text of an OID ("1.2.840.113549.1.9.5"); "" for a null object.
[[nodiscard]] std::string oid_text(const ASN1_OBJECT* obj);
// "sha256", "sha1", "md5", ... for a digest NID; the dotted OID when OpenSSL has no name.
[[nodiscard]] std::string digest_nid_name(int nid);

// "C=DE, O=Example Plant, CN=Alice" in encoding order; multi-valued RDNs joined with "+". Values
// are escaped as in RFC 4514 (",", "+", "\"", "\\", "<", ">", ";", "=", leading "#"/space, trailing
// space, control bytes as \XX) so that a crafted value cannot pose as another attribute.
[[nodiscard]] std::string x509_name_text(const X509_NAME* name);
// (short name, UTF-8 value) pairs in encoding order, unescaped.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> x509_name_attributes(
    const X509_NAME* name);

[[nodiscard]] Bytes asn1_string_bytes(const ASN1_STRING* str);
// Lower-case hex of an INTEGER ("-" prefix when negative); "" for null.
[[nodiscard]] std::string asn1_integer_hex(const ASN1_INTEGER* value);

// DER of any object with an i2d function; empty on failure.
template <class T>
[[nodiscard]] Bytes i2d_to_bytes(int (*i2d)(const T*, unsigned char**), const T* obj) {
  if (obj == nullptr) return {};
  const int len = i2d(obj, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d(obj, &p) != len) return {};
  return out;
}

}  // namespace signet::crypto
