/**
 * What ha-keepalive shares with HAKit's other modules and not with users: the per-address connection limiter both
 * listening ports use, and the filter that keeps a repeated connection problem to one log line a minute. Exported
 * only to ha-sync and ha-cli; not API.
 */
package io.hakit.keepalive.support;
