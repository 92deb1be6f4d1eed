#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

using Bytes = std::vector<std::uint8_t>;

[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
// Lower- or upper-case hex, even length; nullopt otherwise.
[[nodiscard]] std::optional<Bytes> from_hex(std::string_view text);

}  // namespace signet
