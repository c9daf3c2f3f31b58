// Tables for the differ's index of a build that writes a hundred thousand files, where a tree node
// per entry (and a vector per key) cost several times the entries: each one sorted vector,
// filled first, then sealed once, then only read. Grouped: values grouped by key; FlatMap and
// FlatSet: a key's one value, or the keys, in their order (listed, and looked up by any string).
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/interned.h"

namespace buildiff {

// Interned strings by their numbers: equal strings together, in no meaningful order (for keys
// that are only looked up, never listed).
struct ByNumber {
    bool operator()(const Interned& a, const Interned& b) const { return a.id() < b.id(); }
    bool operator()(int a, int b) const { return a < b; }
};

template <typename K, typename V, typename Less = ByNumber>
class Grouped {
  public:
    using Entry = std::pair<K, V>;

    void add(K key, V value) { m_entries.emplace_back(std::move(key), std::move(value)); }
    // Sorts by key; the values of one key stay in the order they were added.
    void seal() {
        std::stable_sort(m_entries.begin(), m_entries.end(),
                         [](const Entry& a, const Entry& b) { return Less()(a.first, b.first); });
        m_entries.shrink_to_fit();
    }
    // The same, each value once per key, in value order.
    void seal_unique() {
        auto less = [](const Entry& a, const Entry& b) {
            return Less()(a.first, b.first) || (!Less()(b.first, a.first) && a.second < b.second);
        };
        auto same = [](const Entry& a, const Entry& b) {
            return !Less()(a.first, b.first) && !Less()(b.first, a.first) && a.second == b.second;
        };
        std::sort(m_entries.begin(), m_entries.end(), less);
        m_entries.erase(std::unique(m_entries.begin(), m_entries.end(), same), m_entries.end());
        m_entries.shrink_to_fit();
    }

    // KEY's entries (empty when it has none).
    std::span<const Entry> find(const K& key) const {
        auto [from, to] = std::equal_range(
            m_entries.begin(), m_entries.end(), key,
            [](const auto& a, const auto& b) { return Less()(key_of(a), key_of(b)); });
        return {from, to};
    }
    // KEY's values (a range of its entries' second members).
    class Values {
      public:
        class iterator {
          public:
            using iterator_category = std::forward_iterator_tag;
            using value_type = V;
            using difference_type = std::ptrdiff_t;
            using pointer = const V*;
            using reference = const V&;
            iterator() = default;
            explicit iterator(const Entry* e) : m_e(e) {}
            const V& operator*() const { return m_e->second; }
            iterator& operator++() {
                ++m_e;
                return *this;
            }
            iterator operator++(int) { return iterator(m_e++); }
            bool operator==(const iterator&) const = default;

          private:
            const Entry* m_e = nullptr;
        };
        explicit Values(std::span<const Entry> entries) : m_entries(entries) {}
        iterator begin() const { return iterator(m_entries.data()); }
        iterator end() const { return iterator(m_entries.data() + m_entries.size()); }

      private:
        std::span<const Entry> m_entries;
    };
    Values values(const K& key) const { return Values(find(key)); }
    bool contains(const K& key) const { return !find(key).empty(); }

    // Each key once, with its entries, in key order.
    template <typename F>
    void for_each_group(F&& f) const {
        for (auto from = m_entries.begin(); from != m_entries.end();) {
            auto to = std::find_if(from, m_entries.end(),
                                   [&](const Entry& e) { return Less()(from->first, e.first); });
            f(from->first, std::span<const Entry>(from, to));
            from = to;
        }
    }
    size_t size() const { return m_entries.size(); }

  private:
    static const K& key_of(const Entry& e) { return e.first; }
    static const K& key_of(const K& k) { return k; }
    std::vector<Entry> m_entries;
};

// A key's value, keys in order (std::map's interface for reading).
template <typename K, typename V>
class FlatMap {
  public:
    using value_type = std::pair<K, V>;
    using const_iterator = typename std::vector<value_type>::const_iterator;

    // KEY's value is VALUE: the last one set, once sealed.
    void set(K key, V value) { m_entries.emplace_back(std::move(key), std::move(value)); }
    void seal() {
        std::stable_sort(
            m_entries.begin(), m_entries.end(),
            [](const value_type& a, const value_type& b) { return a.first < b.first; });
        // Of equal keys, the last set.
        auto out = m_entries.begin();
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
            if (std::next(it) != m_entries.end() && !(it->first < std::next(it)->first)) continue;
            if (out != it) *out = std::move(*it);
            ++out;
        }
        m_entries.erase(out, m_entries.end());
        m_entries.shrink_to_fit();
    }

    template <typename Key>
    const_iterator find(const Key& key) const {
        auto it = std::lower_bound(m_entries.begin(), m_entries.end(), key,
                                   [](const value_type& e, const Key& k) { return e.first < k; });
        return it != m_entries.end() && !(key < it->first) ? it : m_entries.end();
    }
    template <typename Key>
    bool contains(const Key& key) const {
        return find(key) != end();
    }
    template <typename Key>
    size_t count(const Key& key) const {
        return contains(key);
    }
    template <typename Key>
    const V& at(const Key& key) const {
        auto it = find(key);
        if (it == end()) throw std::out_of_range("FlatMap::at");
        return it->second;
    }
    const_iterator begin() const { return m_entries.begin(); }
    const_iterator end() const { return m_entries.end(); }
    size_t size() const { return m_entries.size(); }
    bool empty() const { return m_entries.empty(); }

  private:
    std::vector<value_type> m_entries;
};

// Keys, each once, in order (std::set's interface for reading).
template <typename K>
class FlatSet {
  public:
    void insert(K key) { m_keys.push_back(std::move(key)); }
    void seal() {
        std::sort(m_keys.begin(), m_keys.end());
        m_keys.erase(std::unique(m_keys.begin(), m_keys.end()), m_keys.end());
        m_keys.shrink_to_fit();
    }
    template <typename Key>
    bool contains(const Key& key) const {
        auto it = std::lower_bound(m_keys.begin(), m_keys.end(), key,
                                   [](const K& e, const Key& k) { return e < k; });
        return it != m_keys.end() && !(key < *it);
    }
    template <typename Key>
    size_t count(const Key& key) const {
        return contains(key);
    }
    auto begin() const { return m_keys.begin(); }
    auto end() const { return m_keys.end(); }
    size_t size() const { return m_keys.size(); }

  private:
    std::vector<K> m_keys;
};

}  // namespace buildiff
