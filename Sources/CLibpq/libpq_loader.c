/* libpq's functions that casa-release calls, each forwarding to libpq loaded on first use
   (include/CLibpq.h says why). Hidden: libpq's own calls between its functions never reach
   these. */
#pragma GCC visibility push(hidden)
#include "CLibpq.h"
#include "library_loader.h"

static struct {
    __typeof__(&PQclear) clear;
    __typeof__(&PQconnectPoll) connectPoll;
    __typeof__(&PQconnectStartParams) connectStartParams;
    __typeof__(&PQconnectionNeedsPassword) connectionNeedsPassword;
    __typeof__(&PQconsumeInput) consumeInput;
    __typeof__(&PQenterPipelineMode) enterPipelineMode;
    __typeof__(&PQerrorMessage) errorMessage;
    __typeof__(&PQexitPipelineMode) exitPipelineMode;
    __typeof__(&PQfinish) finish;
    __typeof__(&PQfname) fname;
    __typeof__(&PQftype) ftype;
    __typeof__(&PQgetResult) getResult;
    __typeof__(&PQgetisnull) getisnull;
    __typeof__(&PQgetvalue) getvalue;
    __typeof__(&PQisBusy) isBusy;
    __typeof__(&PQnfields) nfields;
    __typeof__(&PQntuples) ntuples;
    __typeof__(&PQpipelineSync) pipelineSync;
    __typeof__(&PQputCopyData) putCopyData;
    __typeof__(&PQputCopyEnd) putCopyEnd;
    __typeof__(&PQresultErrorField) resultErrorField;
    __typeof__(&PQresultStatus) resultStatus;
    __typeof__(&PQsendPrepare) sendPrepare;
    __typeof__(&PQsendQueryParams) sendQueryParams;
    __typeof__(&PQsendQueryPrepared) sendQueryPrepared;
    __typeof__(&PQsetErrorVerbosity) setErrorVerbosity;
    __typeof__(&PQsocket) socket;
    __typeof__(&PQstatus) status;
} pq;

#define SYMBOL(name) {"PQ" #name, (void **)&pq.name}

static struct casa_library library = {
    .environment = "CASA_RELEASE_LIBPQ",
    .file = "libpq.so.5",
    .package = "libpq5",
    .symbols = (struct casa_symbol[]){
        SYMBOL(clear), SYMBOL(connectPoll), SYMBOL(connectStartParams), SYMBOL(connectionNeedsPassword),
        SYMBOL(consumeInput), SYMBOL(enterPipelineMode), SYMBOL(errorMessage), SYMBOL(exitPipelineMode),
        SYMBOL(finish), SYMBOL(fname), SYMBOL(ftype), SYMBOL(getResult), SYMBOL(getisnull), SYMBOL(getvalue),
        SYMBOL(isBusy), SYMBOL(nfields), SYMBOL(ntuples), SYMBOL(pipelineSync), SYMBOL(putCopyData),
        SYMBOL(putCopyEnd), SYMBOL(resultErrorField),
        SYMBOL(resultStatus), SYMBOL(sendPrepare), SYMBOL(sendQueryParams), SYMBOL(sendQueryPrepared),
        SYMBOL(setErrorVerbosity), SYMBOL(socket), SYMBOL(status), {0, 0},
    },
};

#define LOADED (casa_load_library(&library), &pq)

void PQclear(PGresult *res) { LOADED->clear(res); }
PostgresPollingStatusType PQconnectPoll(PGconn *conn) { return LOADED->connectPoll(conn); }
PGconn *PQconnectStartParams(const char *const *keywords, const char *const *values, int expand_dbname) {
    return LOADED->connectStartParams(keywords, values, expand_dbname);
}
int PQconnectionNeedsPassword(const PGconn *conn) { return LOADED->connectionNeedsPassword(conn); }
int PQconsumeInput(PGconn *conn) { return LOADED->consumeInput(conn); }
int PQenterPipelineMode(PGconn *conn) { return LOADED->enterPipelineMode(conn); }
char *PQerrorMessage(const PGconn *conn) { return LOADED->errorMessage(conn); }
int PQexitPipelineMode(PGconn *conn) { return LOADED->exitPipelineMode(conn); }
void PQfinish(PGconn *conn) { LOADED->finish(conn); }
char *PQfname(const PGresult *res, int field_num) { return LOADED->fname(res, field_num); }
Oid PQftype(const PGresult *res, int field_num) { return LOADED->ftype(res, field_num); }
PGresult *PQgetResult(PGconn *conn) { return LOADED->getResult(conn); }
int PQgetisnull(const PGresult *res, int tup_num, int field_num) { return LOADED->getisnull(res, tup_num, field_num); }
char *PQgetvalue(const PGresult *res, int tup_num, int field_num) { return LOADED->getvalue(res, tup_num, field_num); }
int PQisBusy(PGconn *conn) { return LOADED->isBusy(conn); }
int PQnfields(const PGresult *res) { return LOADED->nfields(res); }
int PQntuples(const PGresult *res) { return LOADED->ntuples(res); }
int PQpipelineSync(PGconn *conn) { return LOADED->pipelineSync(conn); }
int PQputCopyData(PGconn *conn, const char *buffer, int nbytes) { return LOADED->putCopyData(conn, buffer, nbytes); }
int PQputCopyEnd(PGconn *conn, const char *errormsg) { return LOADED->putCopyEnd(conn, errormsg); }
char *PQresultErrorField(const PGresult *res, int fieldcode) { return LOADED->resultErrorField(res, fieldcode); }
ExecStatusType PQresultStatus(const PGresult *res) { return LOADED->resultStatus(res); }
int PQsendPrepare(PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes) {
    return LOADED->sendPrepare(conn, stmtName, query, nParams, paramTypes);
}
int PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                      const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                      int resultFormat) {
    return LOADED->sendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,
                                   resultFormat);
}
int PQsendQueryPrepared(PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues,
                        const int *paramLengths, const int *paramFormats, int resultFormat) {
    return LOADED->sendQueryPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat);
}
PGVerbosity PQsetErrorVerbosity(PGconn *conn, PGVerbosity verbosity) {
    return LOADED->setErrorVerbosity(conn, verbosity);
}
int PQsocket(const PGconn *conn) { return LOADED->socket(conn); }
ConnStatusType PQstatus(const PGconn *conn) { return LOADED->status(conn); }

#pragma GCC visibility pop
