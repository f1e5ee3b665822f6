package fakeapi

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // decoders: Telegram rejects photos it cannot decode
	_ "image/jpeg"
	"image/png"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
)

type fileKind string

const (
	kindDocument fileKind = "document"
	kindPhoto    fileKind = "photo"
	kindVoice    fileKind = "voice"
)

type storedFile struct {
	File
	kind          fileKind
	uniqueID      string
	path          string
	width, height int
}

func (f *storedFile) public() File {
	out := f.File
	out.Data = slices.Clone(f.Data)
	return out
}

func (f *storedFile) photoSizes() []wirePhotoSize {
	return []wirePhotoSize{{FileID: f.ID, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: len(f.Data)}}
}

// newFileLocked numbers a file without registering it, so a request that
// fails later in validation leaves the file store untouched.
func (s *Server) newFileLocked(kind fileKind, name, mimeType string, data []byte) *storedFile {
	s.nextFile++
	n := s.nextFile
	ext := path.Ext(name)
	dir := string(kind) + "s"
	switch {
	case kind == kindVoice:
		dir, ext = "voice", ".oga"
	case kind == kindPhoto && ext == "":
		ext = ".jpg"
	}
	return &storedFile{
		File:     File{ID: fmt.Sprintf("%s_%d", kind, n), Name: name, MIMEType: mimeType, Data: data},
		kind:     kind,
		uniqueID: fmt.Sprintf("u%d", n),
		path:     fmt.Sprintf("%s/file_%d%s", dir, n, ext),
	}
}

func (s *Server) registerFileLocked(f *storedFile) {
	s.files[f.ID] = f
	s.paths[f.path] = f
}

// resolveFileLocked reads an InputFile field: an upload, a file_id the fake
// issued, or an HTTP URL (kept by name only; the fake fetches nothing).
func (s *Server) resolveFileLocked(req *request, field string, kind fileKind) (f *storedFile, isNew bool, r *reply) {
	if up, ok := req.files[field]; ok {
		return s.uploadedFileLocked(up, kind)
	}
	v := req.params[field]
	if name, ok := strings.CutPrefix(v, "attach://"); ok {
		up, ok := req.files[name]
		if !ok {
			return nil, false, badRequest("wrong file identifier/HTTP URL specified")
		}
		return s.uploadedFileLocked(up, kind)
	}
	if known := s.files[v]; known != nil {
		return known, false, nil
	}
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		name := path.Base(u.Path)
		return s.newFileLocked(kind, name, mime.TypeByExtension(path.Ext(name)), nil), true, nil
	}
	return nil, false, badRequest("wrong file identifier/HTTP URL specified")
}

func (s *Server) uploadedFileLocked(up upload, kind fileKind) (*storedFile, bool, *reply) {
	if len(up.data) == 0 {
		return nil, false, badRequest("file must be non-empty")
	}
	mt := up.contentType
	if byExt := mime.TypeByExtension(path.Ext(up.filename)); byExt != "" {
		mt = byExt
	}
	if base, _, err := mime.ParseMediaType(mt); err == nil {
		mt = base
	}
	var cfg image.Config
	if kind == kindPhoto {
		var err error
		cfg, _, err = image.DecodeConfig(bytes.NewReader(up.data))
		if err != nil {
			return nil, false, badRequest("IMAGE_PROCESS_FAILED")
		}
	}
	f := s.newFileLocked(kind, up.filename, mt, slices.Clone(up.data))
	f.width, f.height = cfg.Width, cfg.Height
	return f, true, nil
}

func (s *Server) getFileLocked(req *request) *reply {
	f := s.files[req.params["file_id"]]
	if f == nil {
		return badRequest("invalid file_id")
	}
	return ok(map[string]any{
		"file_id":        f.ID,
		"file_unique_id": f.uniqueID,
		"file_size":      len(f.Data),
		"file_path":      f.path,
	})
}

// FileByID returns a file the bot uploaded or a simulated user sent.
func (s *Server) FileByID(fileID string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.files[fileID]; f != nil {
		return f.public(), true
	}
	return File{}, false
}

// serveFile answers /file/bot<TOKEN>/<file_path>, the download link that
// go-telegram/bot's FileDownloadLink builds.
func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	token, p, _ := strings.Cut(rest, "/")
	if token != s.token {
		writeReply(w, apiError(http.StatusUnauthorized, "Unauthorized"))
		return
	}
	s.mu.Lock()
	f := s.paths[p]
	var data []byte
	if f != nil {
		data = slices.Clone(f.Data)
	}
	s.mu.Unlock()
	if f == nil {
		writeReply(w, apiError(http.StatusNotFound, "Not Found"))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// fakePhoto is a small valid PNG, so code that decodes what users send
// gets a real image.
func fakePhoto() []byte {
	img := image.NewGray(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 20)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// fakeVoice starts like an Ogg stream; nothing in the fake decodes it.
func fakeVoice() []byte {
	return append([]byte("OggS\x00\x02"), bytes.Repeat([]byte{0}, 42)...)
}
