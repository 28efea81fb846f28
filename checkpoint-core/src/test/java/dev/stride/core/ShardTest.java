package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShardTest {

    /** Values from Python's zlib.crc32(id.encode()) % N: another implementation, another runtime, the same shard. */
    @Test
    void theShardOfAnIdIsItsCrc32ModuloN() {
        assertThat(Shard.of("q0", 3)).isEqualTo(1);   // crc32 1361341156
        assertThat(Shard.of("q0", 7)).isEqualTo(0);
        assertThat(Shard.of("q1", 7)).isEqualTo(1);   // crc32 639851122
        assertThat(Shard.of("record-42", 3)).isEqualTo(0); // crc32 2543132394, above Integer.MAX_VALUE
        assertThat(Shard.of("record-42", 7)).isEqualTo(5);
        assertThat(Shard.of("日本語", 7)).isEqualTo(5); // UTF-8 bytes
        assertThat(Shard.parse("1/3").holds("q0")).isTrue();
        assertThat(Shard.parse("0/3").holds("q0")).isFalse();
        assertThat(Shard.parse("0/1").holds("anything")).isTrue();
    }

    @Test
    void readsAndWritesIOfN() {
        assertThat(Shard.parse(" 2/5 ")).isEqualTo(new Shard(2, 5));
        assertThat(new Shard(2, 5)).hasToString("2/5");
    }

    @Test
    void refusesWhatIsNotAShardOfItsCount() {
        for (String bad : new String[] {"3/3", "-1/3"}) {
            assertThatThrownBy(() -> Shard.parse(bad)).as(bad).isInstanceOf(InvalidSettingException.class)
                    .hasMessage("--shard " + bad + " is out of range: I goes from 0 to N-1 (shards count from 0),"
                            + " e.g. --shard 2/3 for the last one");
        }
        // No count of shards has a last one to suggest (it said --shard 0/0 here).
        for (String bad : new String[] {"0/0", "1/0", "0/-2"}) {
            assertThatThrownBy(() -> Shard.parse(bad)).as(bad).isInstanceOf(InvalidSettingException.class)
                    .hasMessage("--shard " + bad + " is out of range: N is the number of shards and must be at least"
                            + " 1, e.g. --shard 0/2 and --shard 1/2 split the input in two");
        }
        for (String bad : new String[] {"x", "1", "1/2/3", "a/3", "1/", "1.5/3"}) {
            assertThatThrownBy(() -> Shard.parse(bad)).as(bad).isInstanceOf(InvalidSettingException.class)
                    .hasMessageContaining("is not a shard");
        }
    }
}
