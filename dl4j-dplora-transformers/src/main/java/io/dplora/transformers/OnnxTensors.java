package io.dplora.transformers;

import onnx.Onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Values of ONNX tensors (initializers and Constant nodes) as Java arrays. */
final class OnnxTensors {

    static final int FLOAT = 1;
    static final int INT64 = 7;

    private OnnxTensors() {
    }

    static long[] shape(Onnx.TensorProto t) {
        long[] s = new long[t.getDimsCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.getDims(i);
        }
        return s;
    }

    static long length(Onnx.TensorProto t) {
        long n = 1;
        for (long d : shape(t)) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** @return the elements of a FLOAT tensor in row-major order */
    static float[] floats(Onnx.TensorProto t, String what) {
        if (t.getDataType() != FLOAT) {
            throw new IllegalArgumentException(what + ": expected a FLOAT tensor, got ONNX data type "
                    + t.getDataType());
        }
        if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(what + ": tensors stored as external data are not supported");
        }
        long n = length(t);
        float[] out = new float[Math.toIntExact(n)];
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != 4L * n) {
                throw new IllegalArgumentException(what + ": raw data has " + t.getRawData().size() + " bytes for "
                        + n + " floats");
            }
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().get(out);
        } else {
            if (t.getFloatDataCount() != n) {
                throw new IllegalArgumentException(what + ": " + t.getFloatDataCount() + " values for " + n + " floats");
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    /** @return the single value of a scalar or one-element FLOAT or INT64 tensor */
    static double scalar(Onnx.TensorProto t, String what) {
        if (length(t) != 1) {
            throw new IllegalArgumentException(what + ": expected one value, got shape "
                    + java.util.Arrays.toString(shape(t)));
        }
        if (t.getDataType() == FLOAT) {
            return floats(t, what)[0];
        }
        if (t.getDataType() == INT64) {
            if (!t.getRawData().isEmpty()) {
                return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            }
            return t.getInt64Data(0);
        }
        throw new IllegalArgumentException(what + ": unsupported ONNX data type " + t.getDataType());
    }
}
