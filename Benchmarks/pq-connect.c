/* The floor of any PostgreSQL client on this machine, for Benchmarks/postgres-ledger.sh: a C
 * program that logs in with libpq (the SCRAM exchange, as casa-release's), runs SELECT 1 and
 * exits. Whatever a casa-release command does on a PostgreSQL ledger, it pays at least this. */
#include <libpq-fe.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: pq-connect CONNINFO\n");
        return 64;
    }
    PGconn *connection = PQconnectdb(argv[1]);
    if (PQstatus(connection) != CONNECTION_OK) {
        fprintf(stderr, "pq-connect: %s", PQerrorMessage(connection));
        return 69;
    }
    PGresult *result = PQexec(connection, "SELECT 1");
    int ok = PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
    PQfinish(connection);
    return ok ? 0 : 70;
}
