package io.hakit.flink.core;

import org.apache.flink.runtime.checkpoint.CheckpointStoreUtil;

/** Checkpoint names in HAKit's store: {@code checkpoint-} and the id in 19 digits, so names sort by id. */
public enum HakitCheckpointStoreUtil implements CheckpointStoreUtil {
    /**
     * The only instance. Stateless, so safe from any thread; a name that is not {@code checkpoint-} followed by a
     * number maps to {@link CheckpointStoreUtil#INVALID_CHECKPOINT_ID}.
     */
    INSTANCE;

    private static final String PREFIX = "checkpoint-";

    @Override
    public String checkpointIDToName(long checkpointId) {
        return String.format("%s%019d", PREFIX, checkpointId);
    }

    @Override
    public long nameToCheckpointID(String name) {
        if (name == null || !name.startsWith(PREFIX)) {
            return INVALID_CHECKPOINT_ID;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return INVALID_CHECKPOINT_ID;
        }
    }
}
