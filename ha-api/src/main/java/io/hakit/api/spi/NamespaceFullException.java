package io.hakit.api.spi;

import io.hakit.api.HaException;

/**
 * Thrown by a {@link StoreDriver} write that would take its namespace over the backend's size limit (a Kubernetes
 * ConfigMap holds at most 1 MiB in total); nothing was written. The core then stores the value in the blob store
 * and writes only a small pointer; if even that does not fit, the caller gets this exception, naming the namespace,
 * and nothing has changed.
 */
public class NamespaceFullException extends HaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the detail message, naming the namespace
     */
    public NamespaceFullException(String message) {
        super(message);
    }
}
