#include "core/error.hpp"

#include <cstring>

namespace signet {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kUsage:
      return "USAGE";
    case Errc::kIo:
      return "IO_ERROR";
    case Errc::kPolicyInvalid:
      return "POLICY_INVALID";
    case Errc::kKeyUnavailable:
      return "KEY_UNAVAILABLE";
    case Errc::kCrypto:
      return "CRYPTO_ERROR";
    case Errc::kMalformed:
      return "MALFORMED";
    case Errc::kUnsupported:
      return "UNSUPPORTED";
    case Errc::kInternal:
      return "INTERNAL";
    case Errc::kPlanInvalid:
      return "PLAN_INVALID";
  }
  return "INTERNAL";
}

std::string Error::describe() const {
  std::string out(errc_name(code));
  out += ": ";
  out += message;
  return out;
}

std::string errno_text(int err) { return std::strerror(err); }  // NOLINT(concurrency-mt-unsafe)

}  // namespace signet
