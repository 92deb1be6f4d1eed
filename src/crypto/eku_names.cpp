// Extended key usage names <-> dotted OIDs (RFC 5280 4.2.1.12, RFC 9809 section 3).
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "crypto/x509_verify.hpp"

namespace signet::crypto {

namespace {

struct EkuName {
  std::string_view name;
  std::string_view oid;
};

constexpr std::array<EkuName, 10> kEkuNames{{
    {"serverAuth", "1.3.6.1.5.5.7.3.1"},
    {"clientAuth", "1.3.6.1.5.5.7.3.2"},
    {"codeSigning", "1.3.6.1.5.5.7.3.3"},
    {"emailProtection", "1.3.6.1.5.5.7.3.4"},
    {"timeStamping", "1.3.6.1.5.5.7.3.8"},
    {"OCSPSigning", "1.3.6.1.5.5.7.3.9"},
    // RFC 9809: id-kp 41..44.
    {"configSigning", "1.3.6.1.5.5.7.3.41"},
    {"trustAnchorConfigSigning", "1.3.6.1.5.5.7.3.42"},
    {"updatePackageSigning", "1.3.6.1.5.5.7.3.43"},
    {"safetyCommunication", "1.3.6.1.5.5.7.3.44"},
}};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "1.3.6.1.5.5.7.3.3": at least two arcs, first arc 0..2, digits only, no empty arcs, no leading
// zeros, bounded length.
bool is_dotted_oid(std::string_view text) {
  if (text.empty() || text.size() > 200) return false;
  std::size_t arcs = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('.', pos), text.size());
    const std::string_view arc = text.substr(pos, end - pos);
    if (arc.empty() || arc.size() > 19) return false;
    if (!std::all_of(arc.begin(), arc.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    if (arc.size() > 1 && arc[0] == '0') return false;
    if (arcs == 0 && (arc.size() != 1 || arc[0] > '2')) return false;
    ++arcs;
    pos = end + 1;
  }
  return arcs >= 2;
}

}  // namespace

std::optional<std::string> eku_oid_from_name(std::string_view name_or_oid) {
  for (const EkuName& entry : kEkuNames) {
    if (equals_ignore_case(entry.name, name_or_oid)) return std::string(entry.oid);
  }
  if (is_dotted_oid(name_or_oid)) return std::string(name_or_oid);
  return std::nullopt;
}

std::string eku_display_name(std::string_view oid) {
  for (const EkuName& entry : kEkuNames) {
    if (entry.oid == oid) return std::string(entry.name);
  }
  return std::string(oid);
}

}  // namespace signet::crypto
