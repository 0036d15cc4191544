package web

import (
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strings"
)

// maxRequest bounds a run request (inputs travel inside it, base64).
const maxRequest = 512 << 20

// handler routes the API (/api/<secret>/...), the pages (/jobs/<token>/...)
// and onnxruntime-web (/ort/...). Every response is cross-origin isolated
// (COOP/COEP) so that wasm threads work in the page.
func (s *Service) handler() http.Handler {
	mux := http.NewServeMux()
	api := "/api/" + s.secret
	mux.HandleFunc("POST "+api+"/run", s.handleRun)
	mux.HandleFunc("GET "+api+"/health", s.handleHealth)
	mux.Handle("GET /ort/", http.StripPrefix("/ort/", http.FileServer(http.Dir(ortDir(s.opts.Dir)))))
	mux.HandleFunc("GET /jobs/{token}/{file...}", s.handleJobFile)
	mux.HandleFunc("POST /jobs/{token}/phase", s.handlePhase)
	mux.HandleFunc("POST /jobs/{token}/result", s.handleResult)
	return isolate(mux)
}

func isolate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Embedder-Policy", "require-corp")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		if strings.HasSuffix(r.URL.Path, ".mjs") {
			hd.Set("Content-Type", "text/javascript")
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Service) handleRun(w http.ResponseWriter, r *http.Request) {
	var req Request
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequest))
	if err := dec.Decode(&req); err != nil {
		http.Error(w, "run: bad request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := s.Run(r.Context(), req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, resp)
}

// health says which platforms have a browser installed here.
func (s *Service) handleHealth(w http.ResponseWriter, _ *http.Request) {
	out := map[string]any{"ok": true, "ort_web": ORTWebVersion}
	platforms := map[string]any{}
	for _, p := range Platforms {
		spec, err := specFor(&s.opts, p)
		if err != nil {
			platforms[p] = map[string]any{"installed": false, "error": err.Error()}
			continue
		}
		platforms[p] = map[string]any{"installed": true, "browser": spec.path}
	}
	out["platforms"] = platforms
	writeJSON(w, out)
}

func (s *Service) job(token string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[token]
}

func (s *Service) handleJobFile(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("token"))
	if j == nil {
		http.NotFound(w, r)
		return
	}
	switch file := r.PathValue("file"); file {
	case "", "index.html":
		servePage(w, "page/index.html", "text/html; charset=utf-8")
	case "run.js":
		servePage(w, "page/run.js", "text/javascript; charset=utf-8")
	case "job.json":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(j.spec)
	case "model.onnx":
		if j.model == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeFile(w, r, j.model)
	default:
		_ = path.Base(file)
		http.NotFound(w, r)
	}
}

func servePage(w http.ResponseWriter, name, ctype string) {
	b, err := pageFiles.ReadFile(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(b)
}

func (s *Service) handlePhase(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("token"))
	if j == nil {
		http.NotFound(w, r)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 512))
	j.setPhase(string(b))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleResult(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("token"))
	if j == nil {
		http.NotFound(w, r)
		return
	}
	var pr pageResult
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequest)).Decode(&pr); err != nil {
		pr = pageResult{Error: "the page posted an unreadable result: " + err.Error(), Phase: j.lastPhase()}
	}
	j.deliver(pr)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}
