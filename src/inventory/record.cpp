#include "inventory/record.hpp"

#include <array>
#include <utility>

namespace signet::inventory {
namespace {

constexpr std::array<std::pair<SignatureState, std::string_view>, 4> kStates{{
    {SignatureState::kUnsigned, "unsigned"},
    {SignatureState::kValid, "valid"},
    {SignatureState::kInvalid, "invalid"},
    {SignatureState::kUnverified, "unverified"},
}};

}  // namespace

std::string_view entry_type_name(EntryType type) noexcept {
  return type == EntryType::kSymlink ? "symlink" : "file";
}

std::string_view signature_state_name(SignatureState state) noexcept {
  for (const auto& [value, name] : kStates) {
    if (value == state) return name;
  }
  return "unsigned";
}

std::optional<SignatureState> signature_state_from_name(std::string_view name) noexcept {
  for (const auto& [value, text] : kStates) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace signet::inventory
