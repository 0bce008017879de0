# The trafficsim engine image: `trafficsim run` (the load generator) and
# `trafficsim target` (the reference user service) from one static binary.
#   docker build -t trafficsim .
#   docker run --rm -p 8080:8080 trafficsim target --addr :8080
FROM golang:1.26-alpine AS build
WORKDIR /src
# Modules first so source edits do not invalidate the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY engine/ engine/
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/trafficsim/trafficsim/engine/version.Version=${VERSION}" \
      -o /out/trafficsim ./engine/cmd/trafficsim

# Alpine rather than distroless: the compose stack loops runs with a shell.
FROM alpine:3.22
RUN apk add --no-cache ca-certificates && adduser -D -H -u 10001 trafficsim
COPY --from=build /out/trafficsim /usr/local/bin/trafficsim
USER trafficsim
ENTRYPOINT ["trafficsim"]
CMD ["--help"]
