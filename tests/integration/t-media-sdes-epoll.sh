#!/bin/bash
# t-media-sdes.sh with the media relay on its recvmmsg/sendmmsg (epoll) path;
# t-media-sdes.sh itself runs media.io's default, io_uring where the kernel
# allows it (its UMS5005 line says which).
IT_NAME=t-media-sdes-epoll UMSBC_MEDIA_IO=epoll exec bash "$(dirname "$0")/t-media-sdes.sh" "$@"
