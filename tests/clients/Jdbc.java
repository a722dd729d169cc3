// pgjdbc (Debian's libpostgresql-jdbc-java) against the gateway: connection setup,
// DatabaseMetaData (tables, columns, primary and imported keys) as IDEs and ORMs call
// it, a prepared statement with masked columns (extended protocol), and a C3 column
// refused. Run as a single-file program: java -cp postgresql.jar Jdbc.java URL USER PW
import java.sql.*;

public class Jdbc {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0], args[1], args[2])) {
            DatabaseMetaData md = c.getMetaData();
            StringBuilder tables = new StringBuilder();
            try (ResultSet rs = md.getTables(null, "public", "%", new String[] {"TABLE"})) {
                while (rs.next()) tables.append(rs.getString("TABLE_NAME")).append(',');
            }
            System.out.println("tables " + tables);
            StringBuilder cols = new StringBuilder();
            try (ResultSet rs = md.getColumns(null, "public", "customers", "%")) {
                while (rs.next()) cols.append(rs.getString("COLUMN_NAME")).append(',');
            }
            System.out.println("columns " + cols);
            try (ResultSet rs = md.getPrimaryKeys(null, "public", "cards")) {
                while (rs.next()) System.out.println("pk " + rs.getString("COLUMN_NAME"));
            }
            try (ResultSet rs = md.getImportedKeys(null, "public", "cards")) {
                while (rs.next()) System.out.println("fk " + rs.getString("PKTABLE_NAME"));
            }
            String sql = "select c.name, c.mobile, k.card_no from customers c "
                + "join cards k on k.customer_id = c.customer_id where c.customer_id < ? "
                + "order by k.card_id";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                // Run it past pgjdbc's prepareThreshold so a named server statement is used.
                for (int i = 0; i < 6; i++) {
                    ps.setInt(1, 4);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            if (i == 5) {
                                System.out.println("row " + rs.getString(1) + "|"
                                    + rs.getString(2) + "|" + rs.getString(3));
                            }
                        }
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.executeQuery("select cvv from cards");
                System.out.println("c3 NOT REFUSED");
            } catch (SQLException e) {
                System.out.println("c3 refused " + e.getSQLState());
            }
        }
    }
}
