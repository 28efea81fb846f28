import java.sql.*;
import org.sqlite.*;
public class Probe {
  public static void main(String[] a) throws Exception {
    SQLiteConfig c = new SQLiteConfig(); c.setBusyTimeout(0); c.setLockingMode(SQLiteConfig.LockingMode.EXCLUSIVE);
    SQLiteDataSource s = new SQLiteDataSource(c); s.setUrl("jdbc:sqlite:/tmp/ww/t.db");
    try (Connection x = s.getConnection()) {
      try (ResultSet rs = x.createStatement().executeQuery("select count(*) from t")) { rs.next(); System.out.println("through " + rs.getLong(1)); }
      SQLiteConfig r = new SQLiteConfig(); r.setReadOnly(true); SQLiteDataSource rs2 = new SQLiteDataSource(r);
      rs2.setUrl("jdbc:sqlite:file:///tmp/ww/t.db?immutable=1");
      try (Connection im = rs2.getConnection(); ResultSet q = im.createStatement().executeQuery("select count(*) from sqlite_master")) { q.next(); System.out.println("alone tables " + q.getLong(1)); }
      // is the exclusive lock still held? ask another process
      Process p = new ProcessBuilder("sqlite3", "-readonly", "/tmp/ww/t.db", "select count(*) from t").redirectErrorStream(true).start();
      System.out.println("other process: " + new String(p.getInputStream().readAllBytes()).strip());
      try (ResultSet rs = x.createStatement().executeQuery("pragma wal_checkpoint(truncate)")) { rs.next(); System.out.println("ckpt " + rs.getInt(1)); }
    }
  }
}
