// RFC 5424 syslog and ArcSight CEF renderings of an event.
//
// RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [signet@32473 ...] MSG, where MSG is
// the ECS JSON of the event (format rfc5424) or its CEF line (format cef over syslog). 32473 is
// the private enterprise number RFC 5612 reserves for documentation; docs/events.md says how to
// change it.
#pragma once

#include <string>
#include <string_view>

#include "telemetry/event.hpp"

namespace signet::telemetry {

inline constexpr std::string_view kSdId = "signet@32473";

struct SyslogHeader {
  int facility = 4;  // auth
  std::string app_name = "signet";
  std::string proc_id;  // "" renders as "-"
};

// Syslog severity (0 emergency .. 7 debug) of an event: blocked 3 err, alert 4 warning,
// telemetry problems 4, allowed 6 info.
[[nodiscard]] int syslog_severity(const Event& event) noexcept;

// The [signet@32473 ...] element: decision, enforced, reasons, techniques, file, sha256, rule,
// signer, ticket, target, class, point, action.
[[nodiscard]] std::string structured_data(const Event& event);

// Full RFC 5424 message, no framing; `message` becomes MSG (the ECS JSON or the CEF line).
[[nodiscard]] std::string render_rfc5424(const Event& event, const SyslogHeader& header,
                                         std::string_view message);

// CEF:0|signet|signet|VERSION|SIGNATURE-ID|NAME|SEVERITY|EXTENSIONS (one line).
[[nodiscard]] std::string render_cef(const Event& event);

// Escaping helpers (exposed for tests).
[[nodiscard]] std::string sd_param_escape(std::string_view value);       // '"', '\\', ']'
[[nodiscard]] std::string cef_header_escape(std::string_view value);     // '\\', '|'
[[nodiscard]] std::string cef_extension_escape(std::string_view value);  // '\\', '=', CR, LF

}  // namespace signet::telemetry
