/**
 * What HAKit's own modules share and users must not: the serial event executor, the configuration value parsers
 * and a way to start the core services over a backend instance. Exported only to HAKit's modules (see
 * {@code module-info.java}); on the class path nothing stops a user, but nothing here is API and it changes without
 * notice.
 */
package io.hakit.api.support;
