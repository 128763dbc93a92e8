/**
 * The embedded, in-process backend ({@code high-availability.type=embedded}, the default) and its control surface
 * for test harnesses: grant and revoke leadership, suspend, resume and expire a node's session, inject failures.
 */
package io.hakit.api.embedded;
